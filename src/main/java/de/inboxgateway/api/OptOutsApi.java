package de.inboxgateway.api;

import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.camel.Body;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.events.EventLog;
import de.inboxgateway.events.TenantEvent;
import de.inboxgateway.conversation.ConversationRepository;
import de.inboxgateway.optout.OptOutRepository;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.Json;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.support.Rows;

/** Opt-out history of a tenant: active ones and those ended by a documented re-consent. */
@Component("optOutsApi")
public class OptOutsApi {

    private final OptOutRepository optOuts;
    private final PhoneNumbers phones;
    private final Json json;
    private final AuditLog audit;
    private final Clock clock;
    private final EventLog events;
    private final ConversationRepository conversations;

    public OptOutsApi(OptOutRepository optOuts, PhoneNumbers phones, Json json, AuditLog audit, Clock clock,
                      EventLog events, ConversationRepository conversations) {
        this.events = events;
        this.conversations = conversations;
        this.optOuts = optOuts;
        this.phones = phones;
        this.json = json;
        this.audit = audit;
        this.clock = clock;
    }

    public record ConsentRequest(String source, String consentedAt, String note) {
    }

    /**
     * Ends an active opt-out with a documented re-consent (source and date are required). Writing
     * again later never does this by itself; the history stays.
     */
    @org.springframework.transaction.annotation.Transactional
    public Object consent(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                          @Header("channel") String channel, @Header("phone") String phone, @Body byte[] body) {
        Channel c = Channel.parse(channel);
        String e164 = phones.toE164(pathSegment(phone));
        ConsentRequest req = json.read(body, ConsentRequest.class);
        if (req.source() == null || req.source().isBlank() || req.source().length() > 500) {
            throw ApiException.invalid("source is required: how the consent was documented (e.g. 'signed form 2026-03-02')");
        }
        if (req.consentedAt() == null) {
            throw ApiException.invalid("consentedAt is required: when the consent was given (ISO-8601)");
        }
        Instant consentedAt;
        try {
            consentedAt = Instant.parse(req.consentedAt().strip());
        } catch (DateTimeParseException e) {
            throw ApiException.invalid("consentedAt must be an ISO-8601 instant such as 2026-03-02T10:00:00Z");
        }
        Instant now = clock.instant();
        if (consentedAt.isAfter(now)) {
            throw ApiException.invalid("consentedAt lies in the future");
        }
        long id = optOuts.end(principal.tenantId(), c, e164, req.source().strip(), consentedAt, req.note(), now)
                .orElseThrow(() -> ApiException.notFound("no active opt-out of " + e164 + " on " + c));
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("optOutId", id);
        detail.put("source", req.source().strip());
        detail.put("consentedAt", consentedAt.toString());
        detail.put("note", req.note());
        audit.record(new AuditLog.Entry(principal.tenantId(), "optout.consent", principal.actor(), c.wire(), e164, null,
                detail));
        events.publish(principal.tenantId(), conversations.find(principal.tenantId(), c, e164).orElse(null), e164,
                new TenantEvent.OptIn(c.wire(), e164, req.source().strip(), consentedAt.toString()));
        return Rows.view(optOuts.findById(principal.tenantId(), id).orElseThrow());
    }

    /** A phone number from a path: %2B49… and +49… both mean +49… (a path keeps '+' literal). */
    static String pathSegment(String raw) {
        if (raw == null || raw.indexOf('%') < 0) {
            return raw;
        }
        try {
            return java.net.URLDecoder.decode(raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new ApiException(400, "INVALID_PHONE", "not a phone number: " + raw);
        }
    }

    public Object list(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                       @Header("channel") String channel, @Header("phone") String phone) {
        return Map.of("items", optOuts.list(principal.tenantId(),
                channel == null || channel.isBlank() ? null : Channel.parse(channel),
                phone == null || phone.isBlank() ? null : phones.toE164(phone)).stream().map(Rows::view).toList());
    }
}
