package de.inboxgateway.api;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.AfterCommit;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.media.MediaRepository;
import de.inboxgateway.media.MediaRow;
import de.inboxgateway.media.MediaStore;

/**
 * Right to erasure (Art. 17 GDPR) for one phone number in the key's tenant, in one transaction:
 * message contents, media references, provider data and profile names are removed, and so are the
 * text previews in the event feed and message texts quoted in audit entries. Kept, and reported as
 * kept: the opt-out records (they must go on being honoured), the audit entries themselves (without
 * personal content), the phone number as the key of conversations and opt-outs, and messages still
 * under the legal retention period ({@code gateway.gdpr.legal-retention}).
 */
@Component("erasureApi")
public class ErasureApi {

    private final de.inboxgateway.broadcast.BroadcastRecipientRepository broadcastRecipients;

    private final NamedParameterJdbcTemplate jdbc;
    private final PhoneNumbers phones;
    private final AuditLog audit;
    private final Clock clock;
    private final GatewayProperties.Gdpr gdpr;
    private final MediaRepository mediaRepository;
    private final MediaStore store;

    private final de.inboxgateway.optout.OptOutRepository optOutRecords;
    private final de.inboxgateway.events.EventLog eventLog;
    private final de.inboxgateway.status.StatusEventRepository statusEvents;
    private final de.inboxgateway.message.MessageRepository messageRecords;

    public ErasureApi(NamedParameterJdbcTemplate jdbc, PhoneNumbers phones, AuditLog audit, Clock clock,
                      GatewayProperties properties, MediaRepository mediaRepository, MediaStore store,
                      de.inboxgateway.optout.OptOutRepository optOutRecords, de.inboxgateway.events.EventLog eventLog,
                      de.inboxgateway.status.StatusEventRepository statusEvents,
                      de.inboxgateway.message.MessageRepository messageRecords,
                      de.inboxgateway.broadcast.BroadcastRecipientRepository broadcastRecipients) {
        this.broadcastRecipients = broadcastRecipients;
        this.optOutRecords = optOutRecords;
        this.eventLog = eventLog;
        this.statusEvents = statusEvents;
        this.messageRecords = messageRecords;
        this.mediaRepository = mediaRepository;
        this.store = store;
        this.jdbc = jdbc;
        this.phones = phones;
        this.audit = audit;
        this.clock = clock;
        this.gdpr = properties.getGdpr();
    }

    @Transactional
    public Object erase(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("phone") String phone) {
        String e164 = phones.toE164(OptOutsApi.pathSegment(phone));
        Instant now = clock.instant();
        Duration legalRetention = gdpr.getLegalRetention();
        Instant retainedFrom = now.minus(legalRetention);
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", principal.tenantId()).addValue("phone", e164)
                .addValue("now", Timestamp.from(now)).addValue("retainedFrom", Timestamp.from(retainedFrom));

        // Media first: the rows name the files, and the message update below forgets which message had which.
        List<MediaRow> media = mediaRepository.ofPhone(principal.tenantId(), e164, retainedFrom);
        int mediaErased = mediaRepository.delete(principal.tenantId(), media.stream().map(MediaRow::id).toList());
        int messages = jdbc.update("""
                update message m set text = null, media = null, data = null, profile_name = null, erased_at = :now
                from conversation c
                where c.id = m.conversation_id and c.tenant_id = :tenant and m.tenant_id = :tenant and c.phone = :phone
                  and m.erased_at is null and m.created_at < :retainedFrom""", p);
        int retained = jdbc.queryForObject("""
                select count(*) from message m join conversation c on c.id = m.conversation_id
                where c.tenant_id = :tenant and m.tenant_id = :tenant and c.phone = :phone
                  and m.erased_at is null and m.created_at >= :retainedFrom""", p, Integer.class);
        int events = jdbc.update("""
                update tenant_event set payload = payload #- '{message,textPreview}' #- '{message,profileName}'
                                                  #- '{message,media}' #- '{media}'
                where tenant_id = :tenant and phone = :phone
                  and (payload #> '{message,textPreview}' is not null or payload #> '{message,profileName}' is not null
                       or payload #> '{message,media}' is not null or payload -> 'media' is not null)
                  and at < :retainedFrom""", p);
        // Only the schema owner's function may redact the audit trail (the gateway's role cannot update it).
        int auditEntries = jdbc.queryForObject("select gateway_redact_audit(:tenant, :phone)", p, Integer.class);
        // Free text written about the person elsewhere: the re-consent's note and source (the opt-out
        // record itself stays, it must go on being honoured), the re-consent event's source, and the
        // providers' error texts on the statuses of the person's messages.
        int optOutNotes = optOutRecords.eraseConsentNotes(principal.tenantId(), e164);
        int optInEvents = eventLog.eraseOptInSources(principal.tenantId(), e164);
        int statusErrors = statusEvents.eraseErrorTexts(principal.tenantId(), e164);
        int messageErrors = messageRecords.eraseErrorTexts(principal.tenantId(), e164);
        int broadcastTexts = broadcastRecipients.eraseTexts(principal.tenantId(), e164);
        int smsSent = messageRecords.countSmsAtTwilio(principal.tenantId(), e164);
        int optOuts = jdbc.queryForObject("select count(*) from optout where tenant_id = :tenant and phone = :phone",
                p, Integer.class);
        int auditKept = jdbc.queryForObject("select count(*) from audit_entry where tenant_id = :tenant and phone = :phone",
                p, Integer.class);

        Map<String, Object> erased = new LinkedHashMap<>();
        erased.put("messageContents", messages);
        erased.put("eventPreviews", events);
        erased.put("auditEntriesRedacted", auditEntries);
        erased.put("media", mediaErased);
        erased.put("optOutConsentNotes", optOutNotes);
        erased.put("optInEventSources", optInEvents);
        erased.put("providerErrorTexts", statusErrors + messageErrors);
        erased.put("broadcastTexts", broadcastTexts);
        Map<String, Object> kept = new LinkedHashMap<>();
        kept.put("optOuts", Map.of("count", optOuts, "reason", "an opt-out must go on being honoured"));
        kept.put("auditEntries", Map.of("count", auditKept,
                "reason", "the audit trail is a legal record; personal content was removed"));
        kept.put("retainedMessages", Map.of("count", retained, "reason", "under legal retention ("
                + legalRetention + ") until " + retainedFrom.plus(legalRetention).toString().substring(0, 10)
                + " at the latest; erase again after that"));
        kept.put("phoneNumber", Map.of("reason", "the key of conversations and opt-outs"));
        audit.record(new AuditLog.Entry(principal.tenantId(), "gdpr.erasure", principal.actor(), null, e164, null,
                Map.of("messageContents", messages, "eventPreviews", events, "auditEntriesRedacted", auditEntries,
                        "retainedMessages", retained, "media", mediaErased)));
        // The bytes go once the rows are gone for good: a rollback must not leave rows without files.
        AfterCommit.run(() -> media.forEach(this::deleteBytes));
        // What the gateway cannot erase: copies the providers keep of their own.
        Map<String, Object> providers = new LinkedHashMap<>();
        providers.put("twilio", Map.of("smsMessages", smsSent, "how", "Twilio keeps each SMS body in its message log: "
                + "delete them with DELETE /2010-04-01/Accounts/{AccountSid}/Messages/{MessageSid}.json, or let Twilio's "
                + "retention remove them; the message ids are the providerMessageId of the conversation's messages"));
        providers.put("meta", Map.of("how", "WhatsApp keeps uploaded and received media for up to 30 days "
                + "(DELETE /{media-id} with the channel's token removes an upload earlier) and message content on the "
                + "resident's own device, which no business can erase"));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("phone", e164);
        report.put("erasedAt", now);
        report.put("erased", erased);
        report.put("kept", kept);
        report.put("heldByProviders", providers);
        return report;
    }

    private void deleteBytes(MediaRow row) {
        try {
            store.delete(row.storageKey());
        } catch (java.io.IOException | RuntimeException e) {
            // The row is gone, so no link or API call can reach the file; ops see what is left over.
            org.slf4j.LoggerFactory.getLogger(ErasureApi.class).error("erasure: the bytes of media {} of tenant {} "
                    + "could not be deleted from the store ({}); delete key {} by hand", row.id(), row.tenantId(),
                    e.getMessage(), row.storageKey());
        }
    }
}
