package de.inboxgateway.channel.whatsapp;

import de.inboxgateway.normalize.MediaRef;
import de.inboxgateway.normalize.InboundItem;
import de.inboxgateway.normalize.InboundMessage;
import de.inboxgateway.normalize.StatusUpdate;
import de.inboxgateway.normalize.TemplateStatusUpdate;
import de.inboxgateway.normalize.UnrecognizedItem;
import de.inboxgateway.template.Template;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.tenant.ChannelConfig;

/**
 * Stage 3 for WhatsApp: every entry × change × (message | status | error) of a verified Meta webhook
 * becomes one {@link InboundItem}. Nothing is dropped: a change of another field, a message of an
 * unknown type or a value-level error becomes an item too.
 */
@Component("whatsappNormalizer")
public class WhatsappNormalizer {

    private final PhoneNumbers phones;

    public WhatsappNormalizer(PhoneNumbers phones) {
        this.phones = phones;
    }

    public List<InboundItem> normalize(@Body JsonNode root,
                                       @ExchangeProperty(GatewayExchange.VERIFIED_CHANNELS) Map<String, ChannelConfig> channels) {
        List<InboundItem> items = new ArrayList<>();
        for (JsonNode entry : root.path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                JsonNode value = change.path("value");
                JsonNode number = value.path("metadata").path("phone_number_id");
                if (!number.isTextual() && channels.containsKey(WhatsappSignatureVerifier.ACCOUNT + entry.path("id").asText())) {
                    ChannelConfig account = channels.get(WhatsappSignatureVerifier.ACCOUNT + entry.path("id").asText());
                    // a quality update may come under this field name too: it has new_quality_score, no event
                    items.add("message_template_status_update".equals(change.path("field").asText())
                            && value.path("message_template_name").isTextual() && value.path("event").isTextual()
                            && !value.has("new_quality_score")
                            ? templateStatus(account, entry.path("id").asText(), value)
                            : unrecognized(account, "change:" + change.path("field").asText("?"), change));
                    continue;
                }
                ChannelConfig channel = channels.get(number.asText(""));
                if (channel == null && number.isTextual() && !channels.isEmpty()) {
                    // A number this gateway does not serve, in a body signed with the app secret of one it
                    // does (same Meta app): kept aside with the app's owning tenant, never threaded.
                    items.add(unrecognized(appOwner(channels), "change-for-unknown-number", change));
                    continue;
                }
                if (channel == null) {
                    continue; // a change naming no number cannot belong to a verified tenant
                }
                if (!"messages".equals(change.path("field").asText())) {
                    items.add(unrecognized(channel, "change:" + change.path("field").asText("?"), change));
                    continue;
                }
                for (JsonNode message : value.path("messages")) {
                    // Without an id a message cannot be deduplicated, without a sender not threaded
                    // (e.g. a username-only user): keep it aside rather than fail the whole batch.
                    if (!message.path("id").isTextual()) {
                        items.add(unrecognized(channel, "message-without-id", message));
                    } else if (!message.path("from").isTextual() || message.path("from").asText().isBlank()) {
                        items.add(unrecognized(channel, "message-without-sender", message));
                    } else {
                        items.add(message(channel, value, message));
                    }
                }
                for (JsonNode status : value.path("statuses")) {
                    items.add(status.path("id").isTextual() && status.path("status").isTextual()
                            ? status(channel, status) : unrecognized(channel, "status-without-id", status));
                }
                for (JsonNode error : value.path("errors")) {
                    items.add(unrecognized(channel, "error", error));
                }
            }
        }
        return items;
    }

    private InboundMessage message(ChannelConfig channel, JsonNode value, JsonNode m) {
        String type = m.path("type").asText("unknown");
        String from = m.path("from").asText(null);
        JsonNode typed = m.path(type);
        JsonNode data = typed.isMissingNode() ? null : typed;
        String text = null;
        List<MediaRef> media = List.of();
        switch (type) {
            case "text" -> {
                text = typed.path("body").asText(null);
                data = null; // the body is all there is, and it is in text
            }
            case "image", "video", "sticker", "audio", "document" -> {
                text = typed.path("caption").asText(null);
                media = List.of(new MediaRef(typed.path("id").asText(null), typed.path("url").asText(null),
                        typed.path("mime_type").asText(null), typed.path("sha256").asText(null),
                        typed.path("filename").asText(null), typed.path("caption").asText(null),
                        typed.has("voice") ? typed.path("voice").asBoolean() : null));
            }
            case "button" -> text = typed.path("text").asText(null);
            case "interactive" -> {
                JsonNode reply = typed.path(typed.path("type").asText(""));
                text = reply.path("title").asText(null);
            }
            case "reaction" -> text = typed.path("emoji").asText(null);
            case "location" -> text = typed.path("name").asText(null);
            case "unsupported" -> data = m; // keep the provider's errors (e.g. 131051) with it
            default -> data = m;
        }
        String replyTo = m.path("context").path("id").asText(null);
        if (replyTo == null && "reaction".equals(type)) {
            replyTo = typed.path("message_id").asText(null);
        }
        return new InboundMessage(channel.tenantId(), channel.tenantSlug(), Channel.WHATSAPP,
                m.path("id").asText(null), phones.fromProvider(from), channel.address(),
                epochSeconds(m.path("timestamp")), type, text, media, data, replyTo, profileName(value, from), null,
                channel.id());
    }

    private StatusUpdate status(ChannelConfig channel, JsonNode s) {
        JsonNode error = s.path("errors").path(0);
        String code = error.has("code") ? error.path("code").asText() : null;
        String message = error.isMissingNode() ? null
                : error.path("error_data").path("details").asText(error.path("message").asText(error.path("title").asText(null)));
        return new StatusUpdate(channel.tenantId(), channel.tenantSlug(), Channel.WHATSAPP, s.path("id").asText(null),
                s.path("status").asText(null), epochSeconds(s.path("timestamp")),
                phones.fromProvider(s.path("recipient_id").asText(null)), code, message);
    }

    // contacts[] describes the senders; match on wa_id, never on the array index.
    private static String profileName(JsonNode value, String from) {
        for (JsonNode contact : value.path("contacts")) {
            if (from != null && from.equals(contact.path("wa_id").asText())) {
                return contact.path("profile").path("name").asText(null);
            }
        }
        return null;
    }

    /** Of the verified channels, one fixed choice (lowest tenant, then number): the same for every retry. */
    private static TemplateStatusUpdate templateStatus(ChannelConfig account, String wabaId, JsonNode value) {
        String reason = value.path("reason").isTextual() ? value.path("reason").asText() : null;
        if (value.path("rejection_info").path("reason").isTextual()) {
            reason = (reason == null ? "" : reason + ": ") + value.path("rejection_info").path("reason").asText();
        }
        String event = value.path("event").asText().toUpperCase();
        return new TemplateStatusUpdate(account.tenantId(), account.tenantSlug(), Channel.WHATSAPP, wabaId,
                value.path("message_template_id").asText(null), value.path("message_template_name").asText(),
                Template.language(value.path("message_template_language").asText("")), event,
                TemplateStatusUpdate.statusOf(event), reason);
    }

    private static ChannelConfig appOwner(Map<String, ChannelConfig> channels) {
        return channels.values().stream()
                .min(java.util.Comparator.comparingLong(ChannelConfig::tenantId).thenComparing(ChannelConfig::phoneNumberId))
                .orElseThrow();
    }

    private static UnrecognizedItem unrecognized(ChannelConfig channel, String kind, JsonNode payload) {
        return new UnrecognizedItem(channel.tenantId(), channel.tenantSlug(), Channel.WHATSAPP, kind, payload);
    }

    /** Unix seconds as Meta sends them (a string, sometimes a number); anything implausible is no timestamp. */
    static Instant epochSeconds(JsonNode node) {
        long seconds;
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            seconds = node.asLong();
        } else if (node.isTextual() && node.asText().matches("\\d{1,12}")) {
            seconds = Long.parseLong(node.asText());
        } else {
            return null;
        }
        return seconds > 0 && seconds < 32_503_680_000L ? Instant.ofEpochSecond(seconds) : null; // before year 3000
    }
}
