package de.inboxgateway.support;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A rule of the gateway said no, in the gateway's own words: a stable {@code code} and a message for
 * the caller, but no HTTP status. Which status each kind becomes is decided where the routes handle
 * errors ({@code routes/error-handling.camel.yaml}), so business code never speaks HTTP.
 */
public abstract class GatewayException extends RuntimeException {

    private final String code;
    private final Map<String, Object> details = new LinkedHashMap<>();

    protected GatewayException(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }

    /** Extra fields of the error body, e.g. the id of the message a provider refused. */
    public GatewayException withDetail(String name, Object value) {
        details.put(name, value);
        return this;
    }

    /** The input cannot be used: a phone number that is none, a channel that does not exist, … */
    public static class InvalidInput extends GatewayException {
        public InvalidInput(String code, String message) {
            super(code, message);
        }
    }

    /** Nobody we know: no key, an unknown or revoked key, a wrong admin token. */
    public static class NotAuthenticated extends GatewayException {
        public NotAuthenticated(String message) {
            super("UNAUTHENTICATED", message);
        }
    }

    /** Someone we know, without the right to this. */
    public static class PermissionDenied extends GatewayException {
        public PermissionDenied(String message) {
            super("PERMISSION_DENIED", message);
        }
    }

    /** A rule refuses the request as it stands: an opt-out, a closed service window, … */
    public static class Refused extends GatewayException {
        public Refused(String code, String message) {
            super(code, message);
        }
    }
}
