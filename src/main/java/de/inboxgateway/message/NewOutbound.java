package de.inboxgateway.message;

import java.util.UUID;

/** An outbound message about to be stored as queued: what table {@code message} needs of it. */
public record NewOutbound(long tenantId, String channel, Long channelId, String kind, String type, String text,
                          String recipient, String actor, Long resendOf, String idempotencyKey, byte[] requestHash,
                          UUID mediaId) {
}
