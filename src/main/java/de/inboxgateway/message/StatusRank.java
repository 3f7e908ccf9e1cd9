package de.inboxgateway.message;

import java.util.Map;

/**
 * Statuses only move forward: a status of lower or equal rank than the stored one changes nothing,
 * whatever order the provider's callbacks arrive in. Failure outranks delivery (a late "delivered"
 * never hides a failure) and "read" outranks everything, since it proves the message arrived.
 * Unknown statuses rank -1: recorded, never applied.
 */
public final class StatusRank {

    private static final Map<String, Integer> RANKS = Map.ofEntries(
            Map.entry("queued", 10), Map.entry("accepted", 10), Map.entry("scheduled", 10),
            Map.entry("sending", 20),
            Map.entry("sent", 30),
            Map.entry("delivered", 40),
            Map.entry("undelivered", 50), Map.entry("failed", 50), Map.entry("canceled", 50),
            Map.entry("read", 60));

    private StatusRank() {
    }

    public static int of(String status) {
        return status == null ? -1 : RANKS.getOrDefault(status, -1);
    }
}
