package de.inboxgateway.channel.sms;

import java.util.List;
import java.util.Map;

import com.twilio.http.NetworkHttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.util.Timeout;

/**
 * The Twilio SDK's HTTP client, changed in two ways. It sends to a configurable base URL (the SDK
 * hard-codes https://api.twilio.com): the very same code path reaches a loopback fake in tests and
 * the sandbox in development. And it never retries: the SDK re-sends any 5xx answer, including the
 * POST that creates a message (and Apache HttpClient beneath it any 429 or 503), which would text a
 * resident twice.
 */
public class GatewayTwilioHttpClient extends NetworkHttpClient {

    private static final String TWILIO = "https://api.twilio.com";
    private final String baseUrl;

    public GatewayTwilioHttpClient(String baseUrl, long connectTimeoutMillis, long responseTimeoutMillis) {
        // Apache HttpClient under the SDK would also re-send a POST answered 429 or 503: retries off there too.
        super(HttpClientBuilder.create()
                .disableAutomaticRetries()
                .setDefaultRequestConfig(RequestConfig.custom()
                        .setConnectionRequestTimeout(Timeout.ofMilliseconds(connectTimeoutMillis))
                        .setResponseTimeout(Timeout.ofMilliseconds(responseTimeoutMillis))
                        .build())
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDefaultConnectionConfig(ConnectionConfig.custom()
                                .setConnectTimeout(Timeout.ofMilliseconds(connectTimeoutMillis))
                                .setSocketTimeout(Timeout.ofMilliseconds(responseTimeoutMillis))
                                .build())
                        .setDefaultSocketConfig(SocketConfig.custom()
                                .setSoTimeout(Timeout.ofMilliseconds(responseTimeoutMillis)).build())
                        .setMaxConnTotal(50)
                        .setMaxConnPerRoute(20)
                        .build()));
        this.baseUrl = baseUrl; // from ProviderEndpoints: configured without a trailing slash
    }

    @Override
    protected boolean shouldRetry(Response response, int[] retryCodes) {
        return false;
    }

    @Override
    public Response makeRequest(Request original) {
        if (TWILIO.equals(baseUrl)) {
            return super.makeRequest(original);
        }
        var url = original.constructURL();
        Request request = new Request(original.getMethod(), baseUrl + url.getPath());
        copy(original.getPostParams(), request::addPostParam);
        copy(original.getQueryParams(), request::addQueryParam);
        copy(original.getHeaderParams(), request::addHeaderParam);
        if (original.getContentType() != null) {
            request.setContentType(original.getContentType());
        }
        if (original.getBody() != null) {
            request.setBody(original.getBody());
        }
        if (original.getAuthStrategy() != null) {
            request.setAuth(original.getAuthStrategy());
        } else if (original.getUsername() != null) {
            request.setAuth(original.getUsername(), original.getPassword());
        }
        return super.makeRequest(request);
    }

    private static void copy(Map<String, List<String>> from, java.util.function.BiConsumer<String, String> to) {
        from.forEach((name, values) -> values.forEach(value -> to.accept(name, value)));
    }
}
