package de.inboxgateway.outbound;

import de.inboxgateway.media.MediaRow;
import de.inboxgateway.support.Channel;

/**
 * The canonical outbound message as it travels the outbound route: API → permission → opt-out
 * filter → window filter → queue → provider → result. {@code id} is null until it is queued;
 * {@code replayOf} is set when an Idempotency-Key names a message sent before.
 *
 * @param kind {@code message}, or {@code optout-confirmation}: the one kind that may pass an active opt-out
 * @param text the text, or the caption of the media
 * @param media the stored upload this message sends, or null for a text
 */
public record OutboundMessage(
        Long id,
        long tenantId,
        String tenant,
        Channel channel,
        long channelId,
        Long conversationId,
        String to,
        String text,
        String kind,
        String actor,
        Long resendOf,
        String idempotencyKey,
        byte[] requestHash,
        Long replayOf,
        MediaRow media) {

    public static final String KIND_MESSAGE = "message";
    public static final String KIND_OPTOUT_CONFIRMATION = "optout-confirmation";

    public boolean isOptOutConfirmation() {
        return KIND_OPTOUT_CONFIRMATION.equals(kind);
    }

    /** What the provider and the stored message call its type: text, or the media's kind. */
    public String type() {
        return media == null ? "text" : media.kind();
    }

    public boolean isReplay() {
        return replayOf != null;
    }

    public OutboundMessage queued(long newId, long newConversationId) {
        return new OutboundMessage(newId, tenantId, tenant, channel, channelId, newConversationId, to, text, kind, actor,
                resendOf, idempotencyKey, requestHash, null, media);
    }

    public OutboundMessage replaying(long existingId) {
        return new OutboundMessage(id, tenantId, tenant, channel, channelId, conversationId, to, text, kind, actor,
                resendOf, idempotencyKey, requestHash, existingId, media);
    }
}
