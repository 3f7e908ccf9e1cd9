package de.inboxgateway.channel.sms;

import com.twilio.exception.ApiException;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.media.MediaLinks;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.outbound.ProviderResult;
import de.inboxgateway.channel.whatsapp.GraphApi;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;

/**
 * The SMS provider endpoint's two halves around camel-twilio: the {@code CamelTwilio.*} headers of
 * {@code message/creator} (numbers as PhoneNumber objects, which the component requires; the
 * messaging service as sender when the channel has one; our status callback URL), and the reading
 * of the created Message or Twilio's error.
 */
@Component("twilioApi")
public class TwilioApi {

    public static final String COMPONENT = "twilioComponent";
    private final ChannelDirectory channels;
    private final TwilioClients clients;
    private final String statusCallback;
    private final MediaLinks links;
    private final java.time.Duration mmsLinkTtl;

    public TwilioApi(ChannelDirectory channels, TwilioClients clients, GatewayProperties properties, MediaLinks links) {
        this.links = links;
        java.time.Duration ttl = properties.getMedia().getMmsLinkTtl();
        this.mmsLinkTtl = ttl.compareTo(java.time.Duration.ofHours(1)) < 0 ? java.time.Duration.ofHours(1) : ttl;
        this.channels = channels;
        this.clients = clients;
        this.statusCallback = properties.getPublicBaseUrl() + "/webhooks/sms/status";
    }

    public void prepare(Exchange exchange) {
        OutboundMessage m = exchange.getMessage().getBody(OutboundMessage.class);
        ChannelConfig channel = channels.byId(m.channelId()).orElseThrow(() -> de.inboxgateway.support.ApiException
                .conflict("CHANNEL_NOT_CONFIGURED", "channel " + m.channelId() + " is gone"));
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader("CamelTwilio.to", new PhoneNumber(m.to()));
        if (channel.messagingServiceSid() != null) {
            message.setHeader("CamelTwilio.messagingServiceSid", channel.messagingServiceSid());
        } else {
            message.setHeader("CamelTwilio.from", new PhoneNumber(channel.address()));
        }
        if (m.text() != null) {
            message.setHeader("CamelTwilio.body", m.text());
        }
        if (m.media() != null) {
            // Twilio fetches the file itself, maybe late: a signed link that outlives the usual one.
            MediaLinks.Link link = links.create(m.tenantId(), m.media().id(), mmsLinkTtl);
            message.setHeader("CamelTwilio.mediaUrl", java.util.List.of(java.net.URI.create(link.url())));
        }
        message.setHeader("CamelTwilio.statusCallback", statusCallback);
        message.setBody(null);
        exchange.setProperty(COMPONENT, clients.componentFor(channel));
    }

    public ProviderResult accepted(Exchange exchange) {
        Message created = exchange.getMessage().getBody(Message.class);
        exchange.getMessage().removeHeaders("*");
        return ProviderResult.accepted(created.getSid());
    }

    public ProviderResult failure(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        exchange.getMessage().removeHeaders("*");
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiException api && api.getCode() != null) {
                return ProviderResult.rejected(String.valueOf(api.getCode()), api.getMessage());
            }
            if (t instanceof ApiException api && api.getStatusCode() != null) {
                return ProviderResult.rejected("HTTP_" + api.getStatusCode(), api.getMessage());
            }
        }
        return GraphApi.networkFailure(e);
    }
}
