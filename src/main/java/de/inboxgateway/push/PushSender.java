package de.inboxgateway.push;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.camel.Exchange;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.SocketConfig;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.Timeout;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;

/**
 * The POST of one attempt (route step {@code post-to-receiver}), on an Apache HttpClient of its own:
 * no automatic retries (every retry is the job's, scheduled in the database), no redirects (a 3xx is
 * a failed attempt), every connect resolved through {@link PushTargets} (SSRF), at most
 * {@code gateway.push.max-response-bytes} of the answer read, and {@code gateway.push.timeout} for
 * the whole attempt: a watchdog cancels the request when it runs out, whatever phase it is in.
 *
 * <p>In: the body (the event's JSON) and the {@link ErpPush#HEADERS} property. Out: the headers
 * {@code CamelHttpResponseCode}, {@code Retry-After} (if any) and the start of the answer as body.
 */
@Component("erpPushSender")
public class PushSender implements DisposableBean {

    private final CloseableHttpClient client;
    private final Duration timeout;
    private final int maxResponseBytes;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "erp-push-watchdog");
        t.setDaemon(true);
        return t;
    });

    public PushSender(GatewayProperties properties, PushTargets targets) {
        GatewayProperties.Push push = properties.getPush();
        this.timeout = push.getTimeout();
        this.maxResponseBytes = push.getMaxResponseBytes();
        Timeout t = Timeout.ofMilliseconds(timeout.toMillis());
        this.client = HttpClients.custom()
                .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                        .setDnsResolver(targets.dnsResolver())
                        .setDefaultConnectionConfig(ConnectionConfig.custom().setConnectTimeout(t).setSocketTimeout(t).build())
                        .setDefaultSocketConfig(SocketConfig.custom().setSoTimeout(t).build())
                        .setMaxConnTotal(Math.max(8, push.getConcurrency() * 2))
                        .setMaxConnPerRoute(Math.max(2, push.getConcurrency()))
                        .build())
                .setDefaultRequestConfig(RequestConfig.custom().setConnectionRequestTimeout(t).setResponseTimeout(t)
                        .setRedirectsEnabled(false).build())
                .disableAutomaticRetries()
                .disableRedirectHandling()
                .disableCookieManagement()
                .disableAuthCaching()
                .setUserAgent("inbox-gateway-push/1")
                .build();
    }

    public void post(Exchange exchange) throws IOException {
        String url = exchange.getProperty(ErpPush.TARGET_URL, String.class);
        @SuppressWarnings("unchecked")
        Map<String, String> headers = exchange.getProperty(ErpPush.HEADERS, Map.class);
        String body = exchange.getMessage().getBody(String.class);
        HttpPost post = new HttpPost(URI.create(url));
        headers.forEach(post::setHeader);
        post.setEntity(new StringEntity(body, ContentType.APPLICATION_JSON));
        java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
        ScheduledFuture<?> cut = watchdog.schedule(() -> {
            timedOut.set(true);
            post.cancel(); // closes the connection, whatever phase the attempt is in
        }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        ClassicHttpResponse response = null;
        try {
            response = client.executeOpen(null, post, null);
            exchange.getMessage().setHeaders(new java.util.HashMap<>());
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, response.getCode());
            Header retryAfter = response.getFirstHeader("Retry-After");
            if (retryAfter != null) {
                exchange.getMessage().setHeader("Retry-After", retryAfter.getValue());
            }
            exchange.getMessage().setBody(readCapped(response.getEntity(), post));
            if (timedOut.get()) {
                throw new IOException("answer not complete");
            }
        } catch (IOException | RuntimeException e) {
            if (timedOut.get()) {
                throw new IOException("no complete answer within " + timeout.toMillis() + " ms", e);
            }
            throw e;
        } finally {
            cut.cancel(false);
            if (response != null) {
                try {
                    response.close();
                } catch (IOException | RuntimeException ignored) {
                    // cancelled on purpose (answer too long or too slow): the connection is gone anyway
                }
            }
        }
    }

    /** The start of the answer (for the delivery log); a longer answer is cut off, never read to its end. */
    private String readCapped(HttpEntity entity, HttpPost post) throws IOException {
        if (entity == null) {
            return "";
        }
        InputStream in = entity.getContent();
        byte[] buffer = in.readNBytes(maxResponseBytes);
        if (buffer.length == maxResponseBytes && in.read() >= 0) {
            post.cancel(); // drops the connection instead of reading the rest
        }
        return new String(buffer, StandardCharsets.UTF_8);
    }

    /** Retry-After as seconds or as an HTTP date; null if absent or unreadable. */
    static Duration retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            long seconds = Long.parseLong(value.strip());
            return seconds < 0 ? null : Duration.ofSeconds(seconds);
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                return at.isAfter(now) ? Duration.between(now, at) : Duration.ZERO;
            } catch (DateTimeParseException notDate) {
                return null;
            }
        }
    }

    @Override
    public void destroy() throws IOException {
        watchdog.shutdownNow();
        client.close();
    }
}
