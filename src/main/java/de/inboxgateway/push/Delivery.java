package de.inboxgateway.push;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** One event for one subscription (table {@code webhook_delivery}): the push job's work item and its log line. */
public record Delivery(UUID subscriptionId, long tenantId, long eventId, String eventType, Long conversationId,
                       String status, int attempts, Instant lastAttemptAt, Integer lastStatusCode, String lastError,
                       Instant nextAttemptAt, Instant giveUpAt, Instant createdAt) {

    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";

    public Map<String, Object> view() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("eventId", eventId);
        v.put("type", eventType);
        v.put("status", status);
        v.put("attempts", attempts);
        v.put("lastAttemptAt", text(lastAttemptAt));
        v.put("lastStatusCode", lastStatusCode);
        v.put("lastError", lastError);
        v.put("nextAttemptAt", PENDING.equals(status) ? text(nextAttemptAt) : null);
        return v;
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }
}
