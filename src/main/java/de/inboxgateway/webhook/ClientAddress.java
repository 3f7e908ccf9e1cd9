package de.inboxgateway.webhook;

import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;

/**
 * The address a request really came from. Behind a reverse proxy every request comes from the
 * proxy, so X-Forwarded-For is read, but only when the direct peer is a configured trusted proxy
 * (anyone can send the header), and from the right: the last address not itself a trusted proxy.
 */
@Component
public final class ClientAddress {

    private final List<String> trustedProxies;

    public ClientAddress(GatewayProperties properties) {
        this.trustedProxies = properties.getWebhooks().getTrustedProxies();
    }

    /** The client address of a request arriving through platform-http. */
    public String of(Exchange exchange) {
        return of(exchange.getMessage().getHeader("CamelHttpServletRequest", HttpServletRequest.class), trustedProxies);
    }

    public static String of(HttpServletRequest request, List<String> trustedProxies) {
        if (request == null) {
            return null;
        }
        String peer = request.getRemoteAddr();
        if (!trustedProxies.contains(peer)) {
            return peer;
        }
        String forwarded = request.getHeader("X-Forwarded-For");
        if (forwarded == null || forwarded.isBlank()) {
            return peer;
        }
        String[] hops = forwarded.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].strip();
            if (!hop.isEmpty() && !trustedProxies.contains(hop)) {
                return hop.length() > 64 ? hop.substring(0, 64) : hop;
            }
        }
        return peer;
    }
}
