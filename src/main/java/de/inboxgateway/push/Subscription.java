package de.inboxgateway.push;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A tenant's webhook subscription (table {@code webhook_subscription}); the secret stays sealed here. */
public record Subscription(UUID id, long tenantId, String url, List<String> types, String description, String status,
                           byte[] sealedSecret, long startEventId, long cursorEventId, Instant heldSince,
                           Instant createdAt, Instant updatedAt) {

    public static final String ACTIVE = "active";
    public static final String PAUSED = "paused";
    public static final String DISABLED = "disabled";

    /** What the secret is bound to when sealed: a ciphertext copied into another row does not open. */
    public static String secretOwner(UUID id, long tenantId) {
        return "webhook_subscription:" + id + ":" + tenantId;
    }

    public boolean wants(String type) {
        return types == null || types.contains(type);
    }

    /** The API's view: never the secret. */
    public Map<String, Object> view() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", id.toString());
        v.put("url", url);
        v.put("types", types);
        v.put("description", description);
        v.put("status", status);
        v.put("createdAt", createdAt == null ? null : createdAt.toString());
        v.put("updatedAt", updatedAt == null ? null : updatedAt.toString());
        return v;
    }
}
