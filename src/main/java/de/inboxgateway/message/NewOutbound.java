package de.inboxgateway.message;

import java.util.UUID;

/**
 * An outbound message about to be stored as queued: what table {@code message} needs of it.
 * {@code data}: type-specific content kept as JSON (a template's name, language and components), or null.
 */
public record NewOutbound(long tenantId, String channel, Long channelId, String kind, String type, String text,
                          String recipient, String actor, Long resendOf, String idempotencyKey, byte[] requestHash,
                          UUID mediaId, Object data) {
}
