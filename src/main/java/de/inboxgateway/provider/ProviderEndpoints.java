package de.inboxgateway.provider;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.context.WebServerInitializedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.tenant.ChannelConfig;

/**
 * Where a channel's messages go: the configured Twilio and Graph API bases (the same code path in
 * tests, with loopback fakes), or, for a sandbox channel, the in-process sandbox. A sandbox channel
 * sends nothing at all while the sandbox is off: it can never reach a real provider by accident.
 */
@Component
public class ProviderEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderEndpoints.class);
    private final GatewayProperties properties;
    private volatile String localBaseUrl;

    public ProviderEndpoints(GatewayProperties properties) {
        this.properties = properties;
    }

    @EventListener
    public void onWebServer(WebServerInitializedEvent event) {
        if (event.getApplicationContext().getServerNamespace() == null) {
            localBaseUrl = "http://localhost:" + event.getWebServer().getPort();
            if (properties.getSandbox().isEnabled()) {
                LOG.warn("SANDBOX PROVIDER IS ON (gateway.sandbox.enabled=true): sandbox channels send to {}/sandbox, "
                        + "not to Twilio or Meta. Never enable it in production.", localBaseUrl);
            }
        }
    }

    public String twilioBaseUrl(ChannelConfig channel) {
        return channel.sandbox() ? sandbox(channel) + "/twilio" : properties.getTwilio().getBaseUrl();
    }

    public String graphBaseUrl(ChannelConfig channel) {
        return channel.sandbox() ? sandbox(channel) + "/graph" : properties.getWhatsapp().getBaseUrl();
    }

    public String graphApiVersion() {
        return properties.getWhatsapp().getApiVersion();
    }

    /** The gateway's own base URL on this machine (the sandbox calls the webhooks through it). */
    public String localBaseUrl() {
        return localBaseUrl;
    }

    private String sandbox(ChannelConfig channel) {
        if (!properties.getSandbox().isEnabled()) {
            throw ApiException.conflict("CHANNEL_NOT_CONFIGURED", "channel " + channel.id()
                    + " is a sandbox channel, and the sandbox is off (gateway.sandbox.enabled=false)");
        }
        return localBaseUrl + "/sandbox";
    }
}
