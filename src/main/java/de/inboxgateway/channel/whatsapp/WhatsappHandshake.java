package de.inboxgateway.channel.whatsapp;

import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.support.ApiException;
import de.inboxgateway.tenant.ChannelDirectory;

/**
 * Meta's subscription check: {@code GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C}
 * answers the bare challenge when T is the verify token of a WhatsApp channel, 403 otherwise.
 */
@Component("whatsappHandshake")
public class WhatsappHandshake {

    private final ChannelDirectory channels;

    public WhatsappHandshake(ChannelDirectory channels) {
        this.channels = channels;
    }

    public String answer(Exchange exchange) {
        String mode = exchange.getMessage().getHeader("hub.mode", String.class);
        String token = exchange.getMessage().getHeader("hub.verify_token", String.class);
        String challenge = exchange.getMessage().getHeader("hub.challenge", String.class);
        if (!"subscribe".equals(mode) || challenge == null || challenge.length() > 256
                || channels.whatsappByVerifyToken(token).isEmpty()) {
            throw new ApiException(403, "VERIFY_TOKEN_INVALID", "hub.mode or hub.verify_token is not accepted");
        }
        return challenge;
    }
}
