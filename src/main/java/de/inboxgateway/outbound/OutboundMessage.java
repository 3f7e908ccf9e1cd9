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
 * @param template the WhatsApp template it sends (then {@code text} is its filled-in body), or null
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
        MediaRow media,
        TemplateSend template) {

    public static final String KIND_MESSAGE = "message";
    public static final String KIND_OPTOUT_CONFIRMATION = "optout-confirmation";

    /** A new message asked for through the API (not queued yet). */
    public static OutboundMessage request(long tenantId, String tenant, Channel channel, long channelId, String to,
                                          String text, MediaRow media, TemplateSend template, String actor,
                                          String idempotencyKey, byte[] requestHash) {
        return new OutboundMessage(null, tenantId, tenant, channel, channelId, null, to, text, KIND_MESSAGE, actor, null,
                idempotencyKey, requestHash, null, media, template);
    }

    /** A new attempt of an earlier message, through every gate again. */
    public static OutboundMessage resendOf(long originalId, long tenantId, String tenant, Channel channel, long channelId,
                                           String to, String text, MediaRow media, TemplateSend template, String actor,
                                           String idempotencyKey, byte[] requestHash) {
        return new OutboundMessage(null, tenantId, tenant, channel, channelId, null, to, text, KIND_MESSAGE, actor,
                originalId, idempotencyKey, requestHash, null, media, template);
    }

    /** The one confirmation of an opt-out, to be queued in the opt-out's transaction. */
    public static OutboundMessage optOutConfirmation(long tenantId, String tenant, Channel channel, long channelId,
                                                     long conversationId, String to, String text) {
        return new OutboundMessage(null, tenantId, tenant, channel, channelId, conversationId, to, text,
                KIND_OPTOUT_CONFIRMATION, CONFIRMATION_ACTOR, null, null, null, null, null, null);
    }

    /** A confirmation already queued (by id), as the sender and the sweeper load it. */
    public static OutboundMessage queuedConfirmation(long id, long tenantId, Channel channel, long channelId,
                                                     long conversationId, String to, String text) {
        return new OutboundMessage(id, tenantId, null, channel, channelId, conversationId, to, text,
                KIND_OPTOUT_CONFIRMATION, CONFIRMATION_ACTOR, null, null, null, null, null, null);
    }

    public static final String CONFIRMATION_ACTOR = "system:optout-confirmation";

    /** What the message table stores of it when it is queued. */
    public de.inboxgateway.message.NewOutbound toNew() {
        return new de.inboxgateway.message.NewOutbound(tenantId, channel.wire(), channelId, kind, type(), text, to, actor,
                resendOf, idempotencyKey, requestHash, media == null ? null : media.id(), template == null ? null
                : java.util.Map.of("template", java.util.Map.of("name", template.name(), "language", template.language(),
                        "components", template.components())));
    }

    public boolean isOptOutConfirmation() {
        return KIND_OPTOUT_CONFIRMATION.equals(kind);
    }

    /** What the provider and the stored message call its type: text, template, or the media's kind. */
    public String type() {
        return template != null ? "template" : media == null ? "text" : media.kind();
    }

    public boolean isReplay() {
        return replayOf != null;
    }

    public OutboundMessage queued(long newId, long newConversationId) {
        return new OutboundMessage(newId, tenantId, tenant, channel, channelId, newConversationId, to, text, kind, actor,
                resendOf, idempotencyKey, requestHash, null, media, template);
    }

    public OutboundMessage replaying(long existingId) {
        return new OutboundMessage(id, tenantId, tenant, channel, channelId, conversationId, to, text, kind, actor,
                resendOf, idempotencyKey, requestHash, existingId, media, template);
    }
}
