package de.inboxgateway.api;

import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.transaction.TransactionException;
import org.springframework.stereotype.Component;

import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.GatewayException;
import de.inboxgateway.support.Json;
import de.inboxgateway.webhook.SignatureInvalidException;

/**
 * Turns whatever a route threw into {@code {"code","message"}} with the right status. Storage
 * failures become 503 so that providers retry; nothing unexpected leaks a stack trace.
 */
@Component("errorResponse")
public class ErrorResponse implements Processor {

    /** Exchange property: the HTTP status onException chose for a domain exception. */
    public static final String STATUS = "gateway.errorStatus";

    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponse.class);
    private final Json json;

    public ErrorResponse(Json json) {
        this.json = json;
    }

    @Override
    public void process(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ApiException error = map(e, exchange.getProperty(STATUS, Integer.class));
        if (error.status() >= 500) {
            LOG.error("{} {} failed: {}", exchange.getMessage().getHeader(Exchange.HTTP_METHOD),
                    exchange.getMessage().getHeader(Exchange.HTTP_URI), error.code(), e);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", error.code());
        body.put("message", error.getMessage());
        error.details().forEach(body::putIfAbsent);
        JsonReply.write(exchange, error.status(), json.write(body));
        if (error.status() == 503) {
            exchange.getMessage().setHeader("Retry-After", "5");
        }
        if (error.details().get("retryAfterSeconds") instanceof Long seconds) {
            exchange.getMessage().setHeader("Retry-After", String.valueOf(seconds));
        }
    }

    static ApiException map(Throwable e) {
        return map(e, null);
    }

    /**
     * @param status what routes/error-handling.camel.yaml decided for a {@link GatewayException}
     *               (property {@link #STATUS}); a domain exception no onException maps is a bug: 500
     */
    static ApiException map(Throwable e, Integer status) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiException api) {
                return api;
            }
            if (t instanceof GatewayException g) {
                if (status == null) {
                    LOG.error("no onException in routes/error-handling.camel.yaml maps {}", g.getClass().getName());
                    return new ApiException(500, "INTERNAL_ERROR", "unexpected error");
                }
                ApiException mapped = new ApiException(status, g.code(), g.getMessage());
                g.details().forEach(mapped::withDetail);
                return mapped;
            }
            if (t instanceof SignatureInvalidException) {
                return new ApiException(401, "SIGNATURE_INVALID", "the webhook signature did not verify");
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.springframework.dao.InvalidDataAccessApiUsageException
                    || t instanceof org.springframework.jdbc.BadSqlGrammarException) {
                break; // our own bug, not the storage: 500, so nobody waits for it to heal
            }
            if (t instanceof DataIntegrityViolationException) {
                return new ApiException(400, "INVALID_REQUEST", "the request conflicts with stored data");
            }
            if (t instanceof DataAccessException || t instanceof TransactionException || t instanceof SQLException) {
                return new ApiException(503, "STORAGE_UNAVAILABLE", "storage is unavailable, retry later");
            }
        }
        return new ApiException(500, "INTERNAL_ERROR", "unexpected error");
    }
}
