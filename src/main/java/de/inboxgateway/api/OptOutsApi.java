package de.inboxgateway.api;

import java.util.Map;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.optout.OptOutRepository;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.support.Rows;

/** Opt-out history of a tenant: active ones and those ended by a documented re-consent. */
@Component("optOutsApi")
public class OptOutsApi {

    private final OptOutRepository optOuts;
    private final PhoneNumbers phones;

    public OptOutsApi(OptOutRepository optOuts, PhoneNumbers phones) {
        this.optOuts = optOuts;
        this.phones = phones;
    }

    public Object list(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                       @Header("channel") String channel, @Header("phone") String phone) {
        return Map.of("items", optOuts.list(principal.tenantId(),
                channel == null || channel.isBlank() ? null : Channel.parse(channel),
                phone == null || phone.isBlank() ? null : phones.toE164(phone)).stream().map(Rows::view).toList());
    }
}
