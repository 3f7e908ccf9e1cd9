package de.inboxgateway.media;

import java.io.IOException;
import java.io.InputStream;

import org.apache.camel.Exchange;
import org.apache.hc.core5.http.io.EofSensorInputStream;

/** A provider's HTTP answer as camel-http leaves it on the exchange: its status, and ending it early. */
public final class ProviderAnswer {

    private ProviderAnswer() {
    }

    public static int status(Exchange exchange) {
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        return status == null ? 0 : status;
    }

    /**
     * Whether a media URL a provider named may be fetched: only over TLS, unless the provider's own
     * configured base is plain http (a local fake or the sandbox). The URL came in a signed webhook or
     * a provider's answer, but the channel's credentials go along with it.
     */
    public static void checkFetchable(String url, String providerBaseUrl) {
        boolean tls = url != null && url.regionMatches(true, 0, "https://", 0, 8);
        boolean plainAllowed = url != null && url.regionMatches(true, 0, "http://", 0, 7)
                && providerBaseUrl != null && providerBaseUrl.regionMatches(true, 0, "http://", 0, 7);
        if (!tls && !plainAllowed) {
            throw new MediaFetchException("refusing to fetch media from a URL that is not https: "
                    + de.inboxgateway.support.Text.truncate(url, 100), false);
        }
    }

    /** Drops the answer's body (a redirect's, an error's, or a file no longer wanted). */
    public static void discard(Exchange exchange) {
        abort(exchange.getMessage().getBody());
        exchange.getMessage().setBody(null);
    }

    /**
     * Drops the connection instead of closing the stream: Apache HttpClient's close() reads the rest
     * of the answer to reuse the connection, which is exactly what a size cap must not do.
     */
    static void abort(Object body) {
        try {
            if (body instanceof EofSensorInputStream sensor) {
                sensor.abort();
            } else if (body instanceof InputStream in) {
                in.close();
            }
        } catch (IOException ignored) {
            // the connection is gone either way
        }
    }
}
