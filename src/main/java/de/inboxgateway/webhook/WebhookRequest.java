package de.inboxgateway.webhook;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.Exchange;

import de.inboxgateway.support.ApiException;

/** Reading a webhook request as received: raw bytes with a size limit, path, query, client address. */
final class WebhookRequest {

    private WebhookRequest() {
    }

    static byte[] rawBody(Exchange exchange, long maxBytes) {
        Long declared = exchange.getMessage().getHeader(Exchange.CONTENT_LENGTH, Long.class);
        if (declared != null && declared > maxBytes) {
            throw new ApiException(413, "PAYLOAD_TOO_LARGE", "body larger than " + maxBytes + " bytes");
        }
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body == null || body.length == 0) {
            throw ApiException.invalid("request body is empty");
        }
        if (body.length > maxBytes) {
            throw new ApiException(413, "PAYLOAD_TOO_LARGE", "body larger than " + maxBytes + " bytes");
        }
        return body;
    }

    static HttpServletRequest servletRequest(Exchange exchange) {
        return exchange.getMessage().getHeader("CamelHttpServletRequest", HttpServletRequest.class);
    }

    /** Path and raw query as the client sent them, e.g. {@code /webhooks/sms?x=1}. */
    static String pathAndQuery(Exchange exchange) {
        HttpServletRequest request = servletRequest(exchange);
        if (request != null) {
            String query = request.getQueryString();
            return request.getRequestURI() + (query == null ? "" : "?" + query);
        }
        String path = exchange.getMessage().getHeader(Exchange.HTTP_PATH, String.class);
        String query = exchange.getMessage().getHeader(Exchange.HTTP_QUERY, String.class);
        return (path == null ? "" : path) + (query == null ? "" : "?" + query);
    }

    static String clientAddress(Exchange exchange) {
        HttpServletRequest request = servletRequest(exchange);
        return request == null ? null : request.getRemoteAddr();
    }
}
