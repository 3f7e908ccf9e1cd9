package de.inboxgateway.webhook;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.Exchange;

import de.inboxgateway.support.ApiException;

/** Reading a webhook request as received: raw bytes (size already limited by WebhookBodyFilter), path and query. */
public final class WebhookRequest {

    private WebhookRequest() {
    }

    public static byte[] rawBody(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body == null || body.length == 0) {
            throw ApiException.invalid("request body is empty");
        }
        return body;
    }

    public static HttpServletRequest servletRequest(Exchange exchange) {
        return exchange.getMessage().getHeader("CamelHttpServletRequest", HttpServletRequest.class);
    }

    /** Path and raw query as the client sent them, e.g. {@code /webhooks/sms?x=1}. */
    public static String pathAndQuery(Exchange exchange) {
        HttpServletRequest request = servletRequest(exchange);
        if (request != null) {
            String query = request.getQueryString();
            return request.getRequestURI() + (query == null ? "" : "?" + query);
        }
        String path = exchange.getMessage().getHeader(Exchange.HTTP_PATH, String.class);
        String query = exchange.getMessage().getHeader(Exchange.HTTP_QUERY, String.class);
        return (path == null ? "" : path) + (query == null ? "" : "?" + query);
    }

    /** The path alone, for messages that are logged or audited: the query is the caller's free text. */
    public static String path(Exchange exchange) {
        String full = pathAndQuery(exchange);
        int q = full.indexOf('?');
        String path = q < 0 ? full : full.substring(0, q);
        return path.length() > 100 ? path.substring(0, 100) + "…" : path;
    }
}
