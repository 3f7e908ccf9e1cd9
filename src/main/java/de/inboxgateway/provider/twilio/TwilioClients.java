package de.inboxgateway.provider.twilio;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.twilio.http.TwilioRestClient;
import org.apache.camel.CamelContext;
import org.apache.camel.component.twilio.TwilioComponent;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.provider.ProviderEndpoints;
import de.inboxgateway.tenant.ChannelConfig;

/**
 * camel-twilio holds one credential set per component, and every tenant has its own Twilio account.
 * So each SMS channel gets a Twilio component of its own, named {@code twilio-ch<id>}, registered
 * on first use with that channel's account, auth token and HTTP client. Routes send with
 * {@code toD: ${exchangeProperty.gateway.twilioComponent}:message/creator}.
 */
@Component
public class TwilioClients {

    private final CamelContext camel;
    private final ProviderEndpoints endpoints;
    private final GatewayProperties properties;
    private final Map<Long, String> names = new ConcurrentHashMap<>();

    public TwilioClients(CamelContext camel, ProviderEndpoints endpoints, GatewayProperties properties) {
        this.camel = camel;
        this.endpoints = endpoints;
        this.properties = properties;
    }

    public String componentFor(ChannelConfig channel) {
        return names.computeIfAbsent(channel.id(), id -> register(channel));
    }

    private String register(ChannelConfig channel) {
        String name = "twilio-ch" + channel.id();
        TwilioRestClient client = new TwilioRestClient.Builder(channel.accountSid(), channel.secrets().authToken())
                .accountSid(channel.accountSid())
                .httpClient(new GatewayTwilioHttpClient(endpoints.twilioBaseUrl(channel),
                        properties.getProviders().getConnectTimeout().toMillis(),
                        properties.getProviders().getResponseTimeout().toMillis()))
                .build();
        TwilioComponent component = new TwilioComponent(camel);
        component.setRestClient(client);
        camel.addComponent(name, component);
        return name;
    }
}
