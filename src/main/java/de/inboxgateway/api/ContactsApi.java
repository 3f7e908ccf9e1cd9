package de.inboxgateway.api;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
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

    public ContactsApi(ContactRepository contacts, PhoneNumbers phones, Json json, Clock clock) {
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

    public Object get(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                      @Header("externalId") String externalId) {
        return contacts.find(principal.tenantId(), externalId)
                .orElseThrow(() -> ApiException.notFound("no contact '" + externalId + "'"));
    }
}
