package de.inboxgateway.channel.sms;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.media.MediaDownloads;
import de.inboxgateway.media.MediaFetchException;
import de.inboxgateway.media.MediaRow;
import de.inboxgateway.media.ProviderAnswer;
import de.inboxgateway.provider.ProviderEndpoints;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;

/**
 * MMS media from Twilio: {@code GET MediaUrl{N}} with HTTP Basic {@code AccountSid:AuthToken}, which
 * answers with a redirect to a CDN. Redirects are followed here, one step at a time, so that the
 * credentials go to Twilio's own API host only and never to the CDN (the client's automatic
 * redirects would carry the header along).
 */
@Component("twilioMedia")
public class TwilioMedia {

    /** True while the last answer was a redirect still to follow. */
    public static final String REDIRECT = "mediaRedirect";
    private static final String HOPS = "mediaRedirectHops";
    private static final int MAX_REDIRECTS = 5;
    private final ChannelDirectory channels;
    private final ProviderEndpoints endpoints;

    public TwilioMedia(ChannelDirectory channels, ProviderEndpoints endpoints) {
        this.channels = channels;
        this.endpoints = endpoints;
    }

    public void prepare(Exchange exchange) {
        MediaRow job = exchange.getProperty(MediaDownloads.JOB, MediaRow.class);
        String url = job.providerUrl();
        if (url == null || !(url.startsWith("https://") || url.startsWith("http://"))) {
            throw new MediaFetchException("the webhook named no media URL", false);
        }
        exchange.setProperty(HOPS, 0);
        exchange.setProperty(REDIRECT, true);
        request(exchange, job, url);
    }

    /** After each answer: follow a redirect (without credentials to another host), keep the file, or fail. */
    public void afterResponse(Exchange exchange) {
        int status = ProviderAnswer.status(exchange);
        if (status >= 200 && status < 300) {
            exchange.setProperty(REDIRECT, false);
            return;
        }
        ProviderAnswer.discard(exchange);
        String location = exchange.getMessage().getHeader("Location", String.class);
        if (status >= 300 && status < 400 && location != null) {
            int hops = exchange.getProperty(HOPS, 0, Integer.class) + 1;
            if (hops > MAX_REDIRECTS) {
                throw new MediaFetchException("Twilio's media URL redirected more than " + MAX_REDIRECTS + " times", false);
            }
            exchange.setProperty(HOPS, hops);
            String current = exchange.getProperty("gateway.mediaCurrentUrl", String.class);
            request(exchange, exchange.getProperty(MediaDownloads.JOB, MediaRow.class),
                    URI.create(current).resolve(location).toString());
            return;
        }
        throw MediaFetchException.of("Twilio's media URL", status);
    }

    private void request(Exchange exchange, MediaRow job, String url) {
        ChannelConfig channel = channels.byId(job.channelId() == null ? -1 : job.channelId())
                .orElseThrow(() -> new MediaFetchException("the SMS channel of this media is gone", false));
        ProviderAnswer.checkFetchable(url, endpoints.twilioBaseUrl(channel)); // the first URL and every redirect
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(null);
        message.setHeader(Exchange.HTTP_METHOD, "GET");
        message.setHeader(Exchange.HTTP_URI, url);
        if (sameOrigin(url, endpoints.twilioBaseUrl(channel))) {
            String basic = channel.accountSid() + ":" + channel.secrets().authToken();
            message.setHeader("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(basic.getBytes(StandardCharsets.UTF_8)));
        }
        exchange.setProperty("gateway.mediaCurrentUrl", url);
    }

    static boolean sameOrigin(String url, String base) {
        try {
            URI a = URI.create(url);
            URI b = URI.create(base);
            return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost() != null
                    && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int port(URI u) {
        return u.getPort() != -1 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }
}
