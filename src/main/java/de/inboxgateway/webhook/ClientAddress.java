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

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClientAddress.class);
    private final List<String> trustedProxies;
    private final java.util.concurrent.atomic.AtomicBoolean warned = new java.util.concurrent.atomic.AtomicBoolean();

    public ClientAddress(GatewayProperties properties) {
        this.trustedProxies = properties.getWebhooks().getTrustedProxies();
    }

    /** The client address of a request arriving through platform-http. */
    public String of(Exchange exchange) {
        HttpServletRequest request = exchange.getMessage().getHeader("CamelHttpServletRequest", HttpServletRequest.class);
        warnOnceIfProxiedButNotTrusted(request);
        return of(request, trustedProxies);
    }

    /**
     * A proxy that is not configured as trusted makes every client behind it one address: its
     * failures would then be counted (and blocked) together. Said once, at the first such request.
     */
    void warnOnceIfProxiedButNotTrusted(HttpServletRequest request) {
        if (request != null && request.getHeader("X-Forwarded-For") != null
                && !trustedProxies.contains(request.getRemoteAddr()) && warned.compareAndSet(false, true)) {
            LOG.warn("a request came with X-Forwarded-For from {}, which is not in gateway.webhooks.trusted-proxies: "
                    + "the header is ignored and everything behind that peer counts as one address for blocking",
                    de.inboxgateway.support.Text.forLog(request.getRemoteAddr(), 64));
        }
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
