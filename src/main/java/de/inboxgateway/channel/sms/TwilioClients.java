package de.inboxgateway.channel.sms;

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
    private record Registered(String name, String fingerprint) {
    }

    private final Map<Long, Registered> registered = new ConcurrentHashMap<>();

    public TwilioClients(CamelContext camel, ProviderEndpoints endpoints, GatewayProperties properties) {
        this.camel = camel;
        this.endpoints = endpoints;
        this.properties = properties;
    }

    /**
     * The component of a channel's current account, token and base URL; a changed channel gets a new
     * component (and the old one is removed), so no send ever uses stale credentials.
     */
    public String componentFor(ChannelConfig channel) {
        String baseUrl = endpoints.twilioBaseUrl(channel); // refuses a sandbox channel while the sandbox is off
        String fingerprint = fingerprint(channel, baseUrl);
        return registered.compute(channel.id(), (id, current) -> {
            if (current != null && current.fingerprint().equals(fingerprint)) {
                return current;
            }
            if (current != null) {
                camel.removeComponent(current.name());
            }
            return new Registered(register(channel, baseUrl, fingerprint), fingerprint);
        }).name();
    }

    private static String fingerprint(ChannelConfig channel, String baseUrl) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest((channel.accountSid() + "\n"
                    + channel.secrets().authToken() + "\n" + baseUrl).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 6);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String register(ChannelConfig channel, String baseUrl, String fingerprint) {
        String name = "twilio-ch" + channel.id() + "-" + fingerprint;
        TwilioRestClient client = new TwilioRestClient.Builder(channel.accountSid(), channel.secrets().authToken())
                .accountSid(channel.accountSid())
                .httpClient(new GatewayTwilioHttpClient(baseUrl,
                        properties.getProviders().getConnectTimeout().toMillis(),
                        properties.getProviders().getResponseTimeout().toMillis()))
                .build();
        TwilioComponent component = new TwilioComponent(camel);
        component.setRestClient(client);
        camel.addComponent(name, component);
        return name;
    }
}
