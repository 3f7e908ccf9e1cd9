package de.inboxgateway.normalize;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import de.inboxgateway.support.Channel;

/**
 * The canonical inbound message.
 *
 * @param from              the sender (the contact), E.164 where the provider gave a phone number
 * @param to                our business number, E.164
 * @param providerTimestamp the provider's own time of the message; the WhatsApp service window runs
 *                          from it (Twilio sends none: then the time we received it)
 * @param type              text, image, document, audio, video, sticker, location, button, interactive,
 *                          reaction, contacts, unsupported, … as the provider names it
 * @param text              what a person reads: the body, a caption, a button title, a reaction emoji
 * @param data              the provider's type-specific object, stored as it came
 * @param replyTo           provider id of the message this one replies or reacts to
 * @param optOut            set by the STOP filter (or a provider's opt-out signal): the source of the
 *                          opt-out, e.g. {@code keyword:STOP}; null for ordinary messages
 * @param channelId         the business number's channel (replies and confirmations go out through it)
 */
public record InboundMessage(
        long tenantId,
        String tenant,
        Channel channel,
        String providerMessageId,
        String from,
        String to,
        Instant providerTimestamp,
        String type,
        String text,
        List<MediaRef> media,
        JsonNode data,
        String replyTo,
        String profileName,
        String optOut,
        long channelId) implements InboundItem {

    public InboundMessage withOptOut(String source) {
        return new InboundMessage(tenantId, tenant, channel, providerMessageId, from, to, providerTimestamp, type,
                text, media, data, replyTo, profileName, source, channelId);
    }
}
