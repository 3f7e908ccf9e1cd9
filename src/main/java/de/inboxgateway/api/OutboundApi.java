package de.inboxgateway.api;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.outbound.TemplateSend;
import de.inboxgateway.template.Template;
import de.inboxgateway.template.TemplateParameters;
import de.inboxgateway.template.TemplateRepository;
import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.media.MediaRepository;
import de.inboxgateway.media.MediaRow;
import de.inboxgateway.media.MediaTypes;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.outbound.OutboundStore;
import de.inboxgateway.outbound.SendOutcome;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.RequestHash;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.Json;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;
import de.inboxgateway.message.MessageRepository;

/**
 * The outbound API's edges: a send request becomes an {@link OutboundMessage} of the key's tenant
 * (exactly one recipient, a channel the tenant has), and the stored outcome becomes the answer.
 */
@Component("outboundApi")
public class OutboundApi {

    static final int WHATSAPP_MAX_TEXT = 4096;
    static final int SMS_MAX_TEXT = 1600;
    /** Meta's limit for a media caption. */
    static final int WHATSAPP_MAX_CAPTION = 1024;
    private static final java.util.Set<String> CAPTIONED = java.util.Set.of("image", "video", "document");
    private final Json json;
    private final PhoneNumbers phones;
    private final ChannelDirectory channels;
    private final OutboundStore store;
    private final MessageRepository messages;
    private final MediaRepository mediaRepository;
    private final MessageView messageView;

    private final TemplateRepository templates;

    public OutboundApi(Json json, PhoneNumbers phones, ChannelDirectory channels, OutboundStore store,
                       MessageRepository messages, MediaRepository mediaRepository, MessageView messageView,
                       TemplateRepository templates) {
        this.templates = templates;
        this.messageView = messageView;
        this.mediaRepository = mediaRepository;
        this.json = json;
        this.phones = phones;
        this.channels = channels;
        this.store = store;
        this.messages = messages;
    }

    public OutboundMessage parse(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                                 @Header("Idempotency-Key") String idempotencyKey, @Body byte[] body) {
        JsonNode req = json.read(body, JsonNode.class);
        if (!req.isObject()) {
            throw ApiException.invalid("body must be a JSON object");
        }
        JsonNode to = req.path("to");
        if (to.isArray()) {
            throw ApiException.invalid("exactly one recipient per request: 'to' must be one phone number, not a list");
        }
        if (!to.isTextual()) {
            throw ApiException.invalid("'to' is required: the recipient's phone number");
        }
        Channel channel = Channel.parse(req.path("channel").asText(null));
        if (req.has("template")) {
            return parseTemplate(principal, req, channel, to.asText(), idempotencyKey);
        }
        JsonNode text = req.path("text");
        JsonNode mediaRef = req.path("media");
        boolean hasText = text.isTextual() && !text.asText().isBlank();
        if (!hasText && mediaRef.isMissingNode()) {
            throw ApiException.invalid("'text' is required (or 'media' with an optional 'text' as its caption)");
        }
        if (!text.isMissingNode() && !text.isNull() && !text.isTextual()) {
            throw ApiException.invalid("'text' must be a string");
        }
        int max = !mediaRef.isMissingNode() && channel == Channel.WHATSAPP ? WHATSAPP_MAX_CAPTION
                : channel == Channel.WHATSAPP ? WHATSAPP_MAX_TEXT : SMS_MAX_TEXT;
        if (hasText && text.asText().length() > max) {
            throw ApiException.invalid("'text' is longer than " + max + " characters, the " + channel
                    + (mediaRef.isMissingNode() ? "" : " caption") + " limit");
        }
        String from = req.path("from").isTextual() ? phones.toE164(req.path("from").asText()) : null;
        ChannelConfig sender = senderChannel(principal, channel, from);
        MediaRow media = mediaRef.isMissingNode() ? null : media(principal, sender, mediaRef);
        if (media != null && hasText && !CAPTIONED.contains(media.kind()) && channel == Channel.WHATSAPP) {
            throw ApiException.invalid("WhatsApp shows no caption on " + media.kind() + ": send the text separately");
        }
        String recipient = phones.toE164(to.asText());
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.strip();
        checkKey(key);
        String caption = hasText ? text.asText() : null;
        return OutboundMessage.request(principal.tenantId(), principal.tenantSlug(), channel, sender.id(), recipient,
                caption, media, null, principal.actor(), key, key == null ? null : media == null
                        ? RequestHash.of(channel.wire(), recipient, String.valueOf(from), caption)
                        : RequestHash.of(channel.wire(), recipient, String.valueOf(from), String.valueOf(caption), media.id().toString()));
    }

    /**
     * {@code "template":{"name","language","parameters"}}: checked against the stored template of the
     * sending number's WhatsApp Business Account before anything reaches Meta. 404 TEMPLATE_NOT_FOUND,
     * 409 TEMPLATE_NOT_APPROVED, 400 TEMPLATE_PARAMETERS_INVALID.
     */
    private OutboundMessage parseTemplate(ApiPrincipal principal, JsonNode req, Channel channel, String to,
                                          String idempotencyKey) {
        if (channel != Channel.WHATSAPP) {
            throw ApiException.invalid("templates are WhatsApp's: on SMS send 'text'");
        }
        if (req.has("text") || req.has("media")) {
            throw ApiException.invalid("a template message takes no 'text' or 'media': its content is the template's");
        }
        JsonNode t = req.path("template");
        if (!t.isObject() || !t.path("name").isTextual() || !t.path("language").isTextual()) {
            throw ApiException.invalid("'template' must be {\"name\", \"language\", \"parameters\"}");
        }
        String from = req.path("from").isTextual() ? phones.toE164(req.path("from").asText()) : null;
        ChannelConfig sender = senderChannel(principal, channel, from);
        TemplateSend template = template(principal.tenantId(), sender, t);
        String recipient = phones.toE164(to);
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.strip();
        checkKey(key);
        return OutboundMessage.request(principal.tenantId(), principal.tenantSlug(), channel, sender.id(), recipient,
                template.body(), null, template, principal.actor(), key, key == null ? null
                        : RequestHash.of(channel.wire(), recipient, String.valueOf(from), "template", template.name(),
                        template.language(), template.components().toString()));
    }

    /** The stored template of the sender's account (or of any of the tenant's accounts), checked and filled in. */
    public TemplateSend template(long tenantId, ChannelConfig sender, JsonNode request) {
        Template stored = approvedTemplate(tenantId, sender, request);
        TemplateParameters.Rendered rendered = TemplateParameters.render(stored, request.path("parameters"));
        return new TemplateSend(stored.name(), stored.language(), rendered.components(), rendered.body());
    }

    /** {@code {"name","language"}}: the stored template, 404 TEMPLATE_NOT_FOUND or 409 TEMPLATE_NOT_APPROVED. */
    Template approvedTemplate(long tenantId, ChannelConfig sender, JsonNode request) {
        if (!request.isObject() || !request.path("name").isTextual() || !request.path("language").isTextual()) {
            throw ApiException.invalid("'template' must be {\"name\", \"language\", \"parameters\"}");
        }
        String name = request.path("name").asText();
        String language = Template.language(request.path("language").asText());
        List<String> accounts = sender.wabaId() != null ? List.of(sender.wabaId())
                : channels.forTenant(tenantId).stream().filter(c -> c.channel() == Channel.WHATSAPP && c.wabaId() != null)
                .map(ChannelConfig::wabaId).distinct().toList();
        Template stored = templates.find(tenantId, accounts, name, language)
                .orElseThrow(() -> new ApiException(404, "TEMPLATE_NOT_FOUND", "no template " + name + " in language "
                        + language + " is stored: sync the templates (POST /api/v1/templates/sync)"));
        if (!stored.approved()) {
            throw ApiException.conflict("TEMPLATE_NOT_APPROVED", "the template " + name + " (" + language + ") is "
                    + stored.status() + ", only APPROVED templates can be sent");
        }
        return stored;
    }

    /** A caller's Idempotency-Key: bounded, and never one of the keys the gateway gives its own sends. */
    static void checkKey(String key) {
        if (key != null && key.length() > 200) {
            throw ApiException.invalid("Idempotency-Key is longer than 200 characters");
        }
        if (key != null && key.startsWith(de.inboxgateway.broadcast.Broadcasts.KEY_PREFIX)) {
            throw ApiException.invalid("Idempotency-Key must not start with '" + de.inboxgateway.broadcast.Broadcasts.KEY_PREFIX
                    + "': those are the gateway's own");
        }
    }

    /** A new attempt of an earlier outbound message, through every gate again. */
    public OutboundMessage resend(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                                  @Header("id") String id, @Header("Idempotency-Key") String idempotencyKey) {
        MessageRepository.OutboundRow original = messages.findOutbound(principal.tenantId(), parseId(id))
                .orElseThrow(() -> ApiException.notFound("no outbound message " + id));
        if (!OutboundMessage.KIND_MESSAGE.equals(original.kind())) {
            throw ApiException.invalid("an opt-out confirmation cannot be resent");
        }
        Channel channel = Channel.parse(original.channel());
        ChannelConfig sender = original.channelId() == null ? null : channels.byId(original.channelId()).orElse(null);
        if (sender == null || sender.tenantId() != principal.tenantId()) {
            sender = senderChannel(principal, channel, null);
        }
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.strip();
        checkKey(key);
        MediaRow media = original.mediaId() == null ? null : checkSendable(sender, mediaRepository
                .find(principal.tenantId(), original.mediaId())
                .orElseThrow(() -> ApiException.conflict("MEDIA_NOT_STORED", "the media of message " + id
                        + " is no longer stored")));
        // a template goes out again as it went first (Meta refuses it if it is no longer approved)
        JsonNode sent = "template".equals(original.type()) && original.data() != null ? original.data().path("template") : null;
        TemplateSend template = sent == null || sent.isMissingNode() ? null : new TemplateSend(sent.path("name").asText(),
                sent.path("language").asText(), sent.path("components"), original.text());
        return OutboundMessage.resendOf(original.id(), principal.tenantId(), principal.tenantSlug(), channel, sender.id(),
                original.recipient(), original.text(), media, template, principal.actor(), key,
                key == null ? null : RequestHash.of("resend", String.valueOf(original.id())));
    }

    /** Before any gate: a request repeated under its Idempotency-Key gets the first answer. */
    public OutboundMessage replay(@Body OutboundMessage m) {
        return store.replayOf(m).map(m::replaying).orElse(m);
    }

    public Reply reply(@Body Object body, @ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal) {
        SendOutcome outcome;
        if (body instanceof SendOutcome o) {
            outcome = o;
        } else if (body instanceof OutboundMessage m && m.isReplay()) {
            outcome = store.outcome(principal.tenantId(), m.replayOf(), true);
        } else if (body instanceof OutboundMessage m && m.id() != null) {
            outcome = store.outcome(principal.tenantId(), m.id(), false); // attempted elsewhere already
        } else {
            throw new IllegalStateException("unexpected outbound result " + body);
        }
        if (!outcome.replayed() && outcome.errorReason() != null
                && ("OPTOUT_ACTIVE".equals(outcome.errorReason()) || "WHATSAPP_WINDOW_CLOSED".equals(outcome.errorReason()))) {
            // The provider refused for a reason the gates stand for: answer as the gate would.
            throw ApiException.conflict(outcome.errorReason(), "the provider refused the message: " + outcome.errorMessage()
                    + " (provider code " + outcome.errorCode() + ")").withDetail("messageId", outcome.messageId());
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", outcome.messageId());
        v.put("status", outcome.status());
        v.put("conversationId", outcome.conversationId());
        v.put("providerMessageId", outcome.providerMessageId());
        v.put("error", outcome.errorCode() == null ? null : errorView(outcome));
        if (outcome.replayed()) {
            v.put("replayed", true);
        }
        return Reply.accepted(v);
    }

    public Object get(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id) {
        return messageView.of(principal.tenantId(), messages.find(principal.tenantId(), parseId(id))
                .orElseThrow(() -> ApiException.notFound("no message " + id)));
    }

    private static Map<String, Object> errorView(SendOutcome o) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("code", o.errorCode());
        e.put("message", o.errorMessage());
        e.put("reason", o.errorReason());
        return e;
    }

    /** {@code "media":{"id":…}}: a stored media item of the key's own tenant (another tenant's id is 404). */
    private MediaRow media(ApiPrincipal principal, ChannelConfig sender, JsonNode ref) {
        String id = ref.path("id").asText(null);
        if (!ref.isObject() || id == null) {
            throw ApiException.invalid("'media' must be {\"id\": \"<media id>\"}, the id of an upload (POST /api/v1/media)");
        }
        java.util.UUID uuid;
        try {
            uuid = java.util.UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("no media " + id);
        }
        return checkSendable(sender, mediaRepository.find(principal.tenantId(), uuid)
                .orElseThrow(() -> ApiException.notFound("no media " + id)));
    }

    private static MediaRow checkSendable(ChannelConfig sender, MediaRow media) {
        if (sender.channel() == Channel.SMS && !sender.mms()) {
            throw ApiException.conflict("MEDIA_NOT_SUPPORTED", "the SMS number " + sender.address()
                    + " cannot send media: create the channel with \"mms\": true (Twilio MMS, US/CA numbers)");
        }
        if (!media.stored()) {
            throw ApiException.conflict("MEDIA_NOT_STORED", "media " + media.id() + " is " + media.status());
        }
        if (sender.channel() == Channel.WHATSAPP && !MediaTypes.sendable(media.mimeType())) {
            throw new ApiException(415, "MEDIA_TYPE_NOT_SUPPORTED", "WhatsApp cannot carry " + media.mimeType());
        }
        return media;
    }

    ChannelConfig senderChannel(ApiPrincipal principal, Channel channel, String from) {
        // Only the key's own tenant's numbers are candidates: a key can never send from another tenant's channel.
        var own = channels.forTenant(principal.tenantId()).stream().filter(c -> c.channel() == channel)
                .sorted(Comparator.comparingLong(ChannelConfig::id)).toList();
        if (own.isEmpty()) {
            throw ApiException.conflict("CHANNEL_NOT_CONFIGURED", "tenant " + principal.tenantSlug() + " has no "
                    + channel + " number");
        }
        if (from == null) {
            return own.get(0);
        }
        return own.stream().filter(c -> c.address().equals(from)).findFirst()
                .orElseThrow(() -> new ApiException(403, "PERMISSION_DENIED", from + " is not a " + channel
                        + " number of tenant " + principal.tenantSlug()));
    }

    private static long parseId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no message " + id);
        }
    }
}
