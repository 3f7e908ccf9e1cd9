package de.inboxgateway.channel.sms;

import de.inboxgateway.webhook.FormBody;
import de.inboxgateway.webhook.SignatureInvalidException;
import de.inboxgateway.webhook.WebhookRequest;
import de.inboxgateway.webhook.SourceBlocker;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.support.Text;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;

/**
 * Stage 2 for SMS: {@code X-Twilio-Signature} over {@code gateway.public-base-url} + path + query and
 * the decoded form parameters, with the auth token of the channel that owns {@code To} (inbound
 * messages) or {@code From} (status callbacks of our own sends). On success the body is the parsed
 * {@link FormBody} and {@link GatewayExchange#VERIFIED_CHANNELS} maps the business number to its channel.
 */
@Component("twilioSignatureVerifier")
public class TwilioSignatureVerifier {

    private final ChannelDirectory channels;
    private final PhoneNumbers phones;
    private final Clock clock;
    private final String publicBaseUrl;
    private final SourceBlocker blocker;

    public TwilioSignatureVerifier(ChannelDirectory channels, PhoneNumbers phones, Clock clock,
                                   GatewayProperties properties, SourceBlocker blocker) {
        this.blocker = blocker;
        this.channels = channels;
        this.phones = phones;
        this.clock = clock;
        this.publicBaseUrl = properties.getPublicBaseUrl();
    }

    /** Inbound message: the business number is {@code To}. */
    public void verifyInbound(Exchange exchange) {
        verify(exchange, "To");
    }

    /** Status callback of an outbound message: the business number is {@code From}. */
    public void verifyStatus(Exchange exchange) {
        verify(exchange, "From");
    }

    private void verify(Exchange exchange, String businessNumberParam) {
        exchange.setProperty(GatewayExchange.RECEIVED_AT, clock.instant());
        byte[] raw = WebhookRequest.rawBody(exchange);
        String signature = exchange.getMessage().getHeader("X-Twilio-Signature", String.class);
        if (signature == null || signature.isBlank()) {
            blocker.check(exchange, null); // noise from an address that keeps sending it: 429 before parsing
            throw new SignatureInvalidException(Channel.SMS, null, "missing X-Twilio-Signature");
        }
        FormBody form = FormBody.parse(new String(raw, StandardCharsets.UTF_8));
        String number = form.first(businessNumberParam);
        if (number == null || number.isBlank()) {
            blocker.check(exchange, null);
            throw new SignatureInvalidException(Channel.SMS, null, "form has no " + businessNumberParam);
        }
        String e164 = Text.forLog(phones.fromProvider(number), 40);
        ChannelConfig channel = channels.smsByNumber(e164).orElse(null);
        if (channel == null && "From".equals(businessNumberParam)) {
            // Sent through a Messaging Service: the status comes From a pool number, so the channel is
            // the one of that service and account; its auth token still has to verify the signature.
            channel = channels.smsByMessagingService(form.first("AccountSid"), form.first("MessagingServiceSid")).orElse(null);
        }
        String url = publicBaseUrl + WebhookRequest.pathAndQuery(exchange);
        if (channel == null || !TwilioSignature.matches(channel.secrets().authToken(), url, form.params(), signature)) {
            // Only failures meet the block: a valid signature is never blocked (verified first).
            blocker.check(exchange, e164);
            throw channel == null
                    ? new SignatureInvalidException(Channel.SMS, null, e164, "unknown business number " + e164)
                    : new SignatureInvalidException(Channel.SMS, channel.tenantId(), e164,
                            "signature does not verify for " + WebhookRequest.path(exchange) + " with the auth token of " + e164);
        }
        String accountSid = form.first("AccountSid");
        if (accountSid != null && channel.accountSid() != null && !accountSid.equals(channel.accountSid())) {
            throw new SignatureInvalidException(Channel.SMS, channel.tenantId(), e164,
                    "AccountSid " + Text.forLog(accountSid, 40) + " is not the account of " + e164);
        }
        exchange.setProperty(GatewayExchange.VERIFIED_CHANNELS, Map.of(e164, channel));
        TenantScope.bind(exchange, channel.tenantId());
        exchange.getMessage().setBody(form);
    }
}
