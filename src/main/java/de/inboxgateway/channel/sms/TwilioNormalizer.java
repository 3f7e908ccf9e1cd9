package de.inboxgateway.channel.sms;

import de.inboxgateway.normalize.InboundMessage;
import de.inboxgateway.normalize.MediaRef;
import de.inboxgateway.normalize.StatusUpdate;
import de.inboxgateway.normalize.UnrecognizedItem;
import de.inboxgateway.normalize.InboundItem;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.webhook.FormBody;

/**
 * Stage 3 for SMS: a verified Twilio form becomes one {@link InboundMessage} (incoming SMS/MMS) or one
 * {@link StatusUpdate} (status callback). Twilio sends no message timestamp, so the time we received
 * the request stands in for it.
 */
@Component("twilioNormalizer")
public class TwilioNormalizer {

    /** Parameters that become fields of the canonical message; all others are kept in {@code data}. */
    private static final List<String> MAPPED = List.of("Body", "From", "To", "MessageSid", "SmsSid", "SmsMessageSid");
    private final PhoneNumbers phones;
    private final ObjectMapper mapper;

    public TwilioNormalizer(PhoneNumbers phones, ObjectMapper mapper) {
        this.phones = phones;
        this.mapper = mapper;
    }

    public List<InboundItem> inbound(@Body FormBody form,
                                     @ExchangeProperty(GatewayExchange.VERIFIED_CHANNELS) Map<String, ChannelConfig> channels,
                                     @ExchangeProperty(GatewayExchange.RECEIVED_AT) Instant receivedAt) {
        ChannelConfig channel = channels.values().iterator().next();
        String sid = firstOf(form, "MessageSid", "SmsMessageSid", "SmsSid");
        if (sid == null || firstOf(form, "From") == null) {
            return List.of(new UnrecognizedItem(channel.tenantId(), channel.tenantSlug(), Channel.SMS,
                    sid == null ? "form-without-message-sid" : "form-without-sender", data(form)));
        }
        List<MediaRef> media = new ArrayList<>();
        int count = parseInt(form.first("NumMedia"));
        for (int i = 0; i < Math.min(count, 10); i++) {
            String url = form.first("MediaUrl" + i);
            if (url != null) {
                media.add(new MediaRef(null, url, form.first("MediaContentType" + i), null, null, null, null));
            }
        }
        String type = media.isEmpty() ? "text" : mediaType(media.get(0).mimeType());
        String optOutType = form.first("OptOutType");
        // Twilio's Advanced Opt-Out already blocked this sender; we record it whatever the keyword list says.
        String optOut = "STOP".equalsIgnoreCase(optOutType) ? "provider:twilio-opt-out-type" : null;
        return List.of(new InboundMessage(channel.tenantId(), channel.tenantSlug(), Channel.SMS, sid,
                phones.fromProvider(form.first("From")), channel.address(), receivedAt, type, form.first("Body"),
                List.copyOf(media), data(form), null, null, optOut, channel.id()));
    }

    public List<InboundItem> status(@Body FormBody form,
                                    @ExchangeProperty(GatewayExchange.VERIFIED_CHANNELS) Map<String, ChannelConfig> channels,
                                    @ExchangeProperty(GatewayExchange.RECEIVED_AT) Instant receivedAt) {
        ChannelConfig channel = channels.values().iterator().next();
        String sid = firstOf(form, "MessageSid", "SmsSid");
        String status = firstOf(form, "MessageStatus", "SmsStatus");
        if (sid == null || status == null) {
            return List.of(new UnrecognizedItem(channel.tenantId(), channel.tenantSlug(), Channel.SMS,
                    "status-without-sid-or-status", data(form)));
        }
        String errorCode = form.first("ErrorCode");
        return List.of(new StatusUpdate(channel.tenantId(), channel.tenantSlug(), Channel.SMS, sid,
                status.toLowerCase(Locale.ROOT), receivedAt, phones.fromProvider(form.first("To")),
                errorCode == null || errorCode.isBlank() ? null : errorCode, form.first("ChannelStatusMessage")));
    }

    private ObjectNode data(FormBody form) {
        ObjectNode node = mapper.createObjectNode();
        form.params().forEach((name, values) -> {
            if (!MAPPED.contains(name) && !name.startsWith("MediaUrl") && !name.startsWith("MediaContentType")) {
                node.put(name, values.size() == 1 ? values.get(0) : String.join(",", values));
            }
        });
        return node;
    }

    private static String mediaType(String mime) {
        if (mime == null) {
            return "document";
        }
        for (String t : List.of("image", "video", "audio")) {
            if (mime.startsWith(t + "/")) {
                return t;
            }
        }
        return "document";
    }

    private static String firstOf(FormBody form, String... names) {
        for (String n : names) {
            String v = form.first(n);
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static int parseInt(String s) {
        try {
            return s == null ? 0 : Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
