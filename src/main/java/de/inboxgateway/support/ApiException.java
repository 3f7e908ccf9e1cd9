package de.inboxgateway.support;

/**
 * A failure the caller should see as it is: an HTTP status and a stable {@code code}. Everything
 * else that escapes a route is mapped by {@link ErrorResponse}.
 */
public class ApiException extends RuntimeException {

    private final int status;
    private final String code;
    private final java.util.Map<String, Object> details = new java.util.LinkedHashMap<>();

    public ApiException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    /** Extra fields of the error body, e.g. the id of the message a provider refused. */
    public ApiException withDetail(String name, Object value) {
        details.put(name, value);
        return this;
    }

    public java.util.Map<String, Object> details() { return details; }
    public int status() { return status; }
    public String code() { return code; }

    public static ApiException invalid(String message) {
        return new ApiException(400, "INVALID_REQUEST", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "NOT_FOUND", message);
    }

    public static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message);
    }
}
