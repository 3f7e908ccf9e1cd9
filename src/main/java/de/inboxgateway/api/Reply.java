package de.inboxgateway.api;

/** A JSON answer with its HTTP status; API beans return it when 200 is not the right status. */
public record Reply(int status, Object body) {

    public static Reply created(Object body) {
        return new Reply(201, body);
    }

    public static Reply accepted(Object body) {
        return new Reply(202, body);
    }

    public static Reply noContent() {
        return new Reply(204, null);
    }
}
