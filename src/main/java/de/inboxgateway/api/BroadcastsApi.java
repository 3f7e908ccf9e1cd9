package de.inboxgateway.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.broadcast.BroadcastRecipientRepository;
import de.inboxgateway.broadcast.BroadcastRecipientRepository.NewRecipient;
import de.inboxgateway.broadcast.BroadcastRepository;
import de.inboxgateway.broadcast.Broadcasts;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.Json;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.support.Text;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.template.Template;
import de.inboxgateway.template.TemplateParameters;

/**
 * Broadcasts for the ERP and the inbox: one notice to many residents. Everything that can be checked
 * before a single message goes out is checked here (the template, every recipient's parameters, the
 * size); what can only be decided per recipient (a number that is none, an opt-out, the provider's
 * answer) becomes that recipient's outcome, and never stops the others.
 */
@Component("broadcastsApi")
public class BroadcastsApi {

    static final int MAX_NAME = 200;
    private final Json json;
    private final PhoneNumbers phones;
    private final OutboundApi outbound;
    private final Broadcasts broadcasts;
    private final BroadcastRepository broadcastRows;
    private final BroadcastRecipientRepository recipientRows;
    private final GatewayProperties.Broadcast settings;
    private final GatewayProperties.Api paging;

    public BroadcastsApi(Json json, PhoneNumbers phones, OutboundApi outbound, Broadcasts broadcasts,
                         BroadcastRepository broadcastRows, BroadcastRecipientRepository recipientRows,
                         GatewayProperties properties) {
        this.json = json;
        this.phones = phones;
        this.outbound = outbound;
        this.broadcasts = broadcasts;
        this.broadcastRows = broadcastRows;
        this.recipientRows = recipientRows;
        this.settings = properties.getBroadcast();
        this.paging = properties.getApi();
    }

    /** {@code POST /api/v1/broadcasts}: 202 {@code {"id","status","total"}}. */
    public Reply create(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                        @Header("Idempotency-Key") String idempotencyKey, @Body byte[] body) {
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.strip();
        OutboundApi.checkKey(key);
        byte[] hash = de.inboxgateway.support.RequestHash.of(new String(body == null ? new byte[0] : body,
                java.nio.charset.StandardCharsets.UTF_8));
        if (key != null) {
            var existing = broadcastRows.findByIdempotencyKey(principal.tenantId(), key);
            if (existing.isPresent()) {
                return replay(existing.get(), hash);
            }
        }
        JsonNode req = json.read(body, JsonNode.class);
        if (!req.isObject()) {
            throw ApiException.invalid("body must be a JSON object");
        }
        String name = req.path("name").asText("").strip();
        if (name.isEmpty() || name.length() > MAX_NAME) {
            throw ApiException.invalid("'name' is required: what the notice is about (at most " + MAX_NAME + " characters)");
        }
        Channel channel = Channel.parse(req.path("channel").asText(null));
        JsonNode list = req.path("recipients");
        if (!list.isArray() || list.isEmpty()) {
            throw ApiException.invalid("'recipients' must be a non-empty list of {\"phone\", \"parameters\"}");
        }
        if (list.size() > settings.getMaxRecipients()) {
            throw ApiException.invalid("at most " + settings.getMaxRecipients() + " recipients per broadcast, got "
                    + list.size());
        }
        String from = req.path("from").isTextual() ? phones.toE164(req.path("from").asText()) : null;
        ChannelConfig sender = outbound.senderChannel(principal, channel, from);
        Template template = null;
        String text = null;
        if (channel == Channel.WHATSAPP) {
            if (req.has("text") || !req.has("template")) {
                throw ApiException.invalid("a WhatsApp broadcast sends an approved template ('template'), never free text");
            }
            template = outbound.approvedTemplate(principal.tenantId(), sender, req.path("template"));
        } else {
            if (req.has("template") || !req.path("text").isTextual() || req.path("text").asText().isBlank()) {
                throw ApiException.invalid("an SMS broadcast sends 'text' (templates are WhatsApp's)");
            }
            text = req.path("text").asText();
            if (text.length() > OutboundApi.SMS_MAX_TEXT) {
                throw ApiException.invalid("'text' is longer than " + OutboundApi.SMS_MAX_TEXT + " characters, the SMS limit");
            }
        }
        List<NewRecipient> recipients = recipients(list, template, req.path("template").path("parameters"), text);
        Map<String, String> templateRef = template == null ? null
                : Map.of("name", template.name(), "language", template.language());
        long id;
        try {
            id = broadcasts.create(new Broadcasts.NewBroadcast(principal.tenantId(), name, channel, sender.id(), templateRef,
                    text, recipients, principal.actor(), key, hash));
        } catch (DuplicateKeyException e) { // the same key at the same moment: the first one stands
            return replay(broadcastRows.findByIdempotencyKey(principal.tenantId(), key).orElseThrow(), hash);
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", id);
        v.put("status", "running");
        v.put("total", recipients.size());
        return Reply.accepted(v);
    }

    private Reply replay(BroadcastRepository.Broadcast existing, byte[] hash) {
        if (!Arrays.equals(existing.requestHash(), hash)) {
            throw ApiException.conflict("IDEMPOTENCY_KEY_REUSED", "this Idempotency-Key was used for a different broadcast");
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", existing.id());
        v.put("status", existing.status());
        v.put("total", existing.total());
        v.put("replayed", true);
        return Reply.accepted(v);
    }

    /**
     * Normalized and deduplicated (an invalid number is kept once, as given, and ends invalid_phone);
     * each valid one's template parameters are checked here, so a mismatch refuses the whole request.
     */
    private List<NewRecipient> recipients(JsonNode list, Template template, JsonNode defaults, String text) {
        List<NewRecipient> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode r = list.get(i);
            JsonNode phone = r.isTextual() ? r : r.path("phone");
            if (!phone.isTextual() || phone.asText().isBlank()) {
                throw ApiException.invalid("recipients[" + i + "]: 'phone' is required");
            }
            String e164;
            try {
                e164 = phones.toE164(phone.asText());
            } catch (ApiException | de.inboxgateway.support.GatewayException.InvalidInput e) {
                String given = Text.truncate(phone.asText().strip(), 64);
                if (seen.add("invalid:" + given)) {
                    out.add(new NewRecipient(given, "invalid_phone", null, null, "INVALID_PHONE: " + e.getMessage()));
                }
                continue;
            }
            if (!seen.add(e164)) {
                continue;
            }
            if (template == null) {
                out.add(new NewRecipient(e164, "pending", null, text, null));
                continue;
            }
            JsonNode parameters = r.has("parameters") ? r.path("parameters") : defaults;
            TemplateParameters.Rendered rendered;
            try {
                rendered = TemplateParameters.render(template, parameters);
            } catch (ApiException e) {
                throw new ApiException(e.status(), e.code(), "recipients[" + i + "] (" + e164 + "): " + e.getMessage());
            }
            out.add(new NewRecipient(e164, "pending", rendered.components(), rendered.body(), null));
        }
        return out;
    }

    /** {@code GET /api/v1/broadcasts/{id}}. */
    public Object get(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id) {
        return view(require(principal, id));
    }

    /** {@code GET /api/v1/broadcasts/{id}/recipients?outcome=&limit=&cursor=}, in request order. */
    public Object recipients(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id,
                             @Header("outcome") String outcome, @Header("limit") String limit,
                             @Header("cursor") String cursor) {
        BroadcastRepository.Broadcast b = require(principal, id);
        if (outcome != null && !outcome.isBlank() && !BroadcastRecipientRepository.OUTCOMES.contains(outcome)) {
            throw ApiException.invalid("outcome must be one of " + BroadcastRecipientRepository.OUTCOMES);
        }
        int size = Cursor.limit(limit, paging);
        Cursor.Position after = Cursor.decodeId(cursor);
        List<BroadcastRecipientRepository.Row> rows = recipientRows.list(principal.tenantId(), b.id(),
                outcome == null || outcome.isBlank() ? null : outcome, after == null ? 0 : after.id(), size + 1);
        String next = null;
        if (rows.size() > size) {
            rows = rows.subList(0, size);
            next = Cursor.encode(null, rows.get(size - 1).id());
        }
        List<Map<String, Object>> items = new ArrayList<>();
        for (BroadcastRecipientRepository.Row r : rows) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("phone", r.phone());
            v.put("outcome", r.outcome());
            v.put("messageId", r.messageId());
            v.put("error", r.error());
            items.add(v);
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("items", items);
        page.put("nextCursor", next);
        return page;
    }

    /** {@code POST /api/v1/broadcasts/{id}/cancel}: 200 the broadcast, its pending recipients cancelled. */
    public Object cancel(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id) {
        BroadcastRepository.Broadcast b = require(principal, id);
        broadcasts.cancel(principal.tenantId(), b.id());
        return view(require(principal, id));
    }

    private BroadcastRepository.Broadcast require(ApiPrincipal principal, String id) {
        long broadcastId;
        try {
            broadcastId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no broadcast " + id);
        }
        return broadcastRows.find(principal.tenantId(), broadcastId)
                .orElseThrow(() -> ApiException.notFound("no broadcast " + id));
    }

    private Map<String, Object> view(BroadcastRepository.Broadcast b) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", b.id());
        v.put("name", b.name());
        v.put("channel", b.channel());
        v.put("status", b.status());
        v.put("total", b.total());
        v.put("counts", recipientRows.counts(b.id()));
        v.put("template", b.template());
        v.put("createdBy", b.createdBy());
        v.put("createdAt", b.createdAt());
        v.put("endedAt", b.endedAt());
        return v;
    }
}
