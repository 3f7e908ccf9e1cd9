package de.inboxgateway.api;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.contact.ContactRepository;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.Json;
import de.inboxgateway.support.PhoneNumbers;

/** Master data from the ERP: residents and owners with their phone numbers. */
@Component("contactsApi")
public class ContactsApi {

    private static final Set<String> ROLES = Set.of("resident", "owner");
    private final ContactRepository contacts;
    private final PhoneNumbers phones;
    private final Json json;
    private final Clock clock;

    private final AuditLog audit;

    public ContactsApi(ContactRepository contacts, PhoneNumbers phones, Json json, Clock clock,
                       AuditLog audit) {
        this.audit = audit;
        this.contacts = contacts;
        this.phones = phones;
        this.json = json;
        this.clock = clock;
    }

    /** A person has a few numbers; the bound also keeps one upsert far below PostgreSQL's parameter limit. */
    static final int MAX_PHONES = 20;

    public record ContactRequest(String name, String role, List<String> phones, String unitRef) {
    }

    public Reply upsert(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                        @Header("externalId") String externalId, @Body byte[] body) {
        if (externalId == null || externalId.isBlank() || externalId.length() > 200) {
            throw ApiException.invalid("externalId must be 1-200 characters");
        }
        ContactRequest req = json.read(body, ContactRequest.class);
        if (req.role() != null && !ROLES.contains(req.role())) {
            throw ApiException.invalid("role must be 'resident' or 'owner'");
        }
        if (req.phones() != null && req.phones().size() > MAX_PHONES) {
            throw ApiException.invalid("phones holds at most " + MAX_PHONES + " numbers");
        }
        Set<String> normalized = new LinkedHashSet<>();
        for (String phone : req.phones() == null ? List.<String>of() : req.phones()) {
            normalized.add(phones.toE164(phone));
        }
        ContactRepository.Upserted upserted = contacts.upsert(principal.tenantId(), externalId, req.name(), req.role(),
                req.unitRef(), new ArrayList<>(normalized), clock.instant());
        return new Reply(upserted.created() ? 201 : 200, upserted.contact());
    }

    /**
     * The ERP deleted the person: the master data goes (name, role, unit, numbers). Messages,
     * conversations and opt-outs stay with the phone number; erasing those is the erasure endpoint's.
     */
    public Reply delete(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                        @Header("externalId") String externalId) {
        if (externalId == null || externalId.isBlank() || externalId.length() > 200
                || !contacts.delete(principal.tenantId(), externalId)) {
            throw ApiException.notFound("no contact '" + de.inboxgateway.support.Text.forLog(externalId, 200) + "'");
        }
        audit.record(new AuditLog.Entry(principal.tenantId(), "contact.deleted", principal.actor(),
                null, null, null, Map.of("externalId", externalId)));
        return Reply.noContent();
    }

    public Object get(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                      @Header("externalId") String externalId) {
        return contacts.find(principal.tenantId(), externalId)
                .orElseThrow(() -> ApiException.notFound("no contact '" + externalId + "'"));
    }
}
