package de.inboxgateway.access;

import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.support.GatewayException;
import de.inboxgateway.support.GatewayExchange;

/**
 * The permission gate of the tenant API: {@code Authorization: Bearer <api key>} must name an
 * active key carrying the scope the route asks for. The key's tenant becomes the exchange's
 * tenant; nothing the caller sends can change it.
 */
@Component("apiKeyGuard")
public class ApiKeyGuard {

    private final ApiKeyRepository keys;

    public ApiKeyGuard(ApiKeyRepository keys) {
        this.keys = keys;
    }

    public void require(Exchange exchange, String scope) {
        String key = bearer(authorizationHeader(exchange));
        // The token goes no further than this step: not into logs, not back as a response header.
        exchange.getMessage().removeHeader("Authorization");
        if (key == null) {
            throw new GatewayException.NotAuthenticated("send an API key as 'Authorization: Bearer <key>'");
        }
        ApiPrincipal principal = authenticate(key);
        if (!principal.scopes().contains(scope)) {
            throw new GatewayException.PermissionDenied("this API key lacks the scope '" + scope + "'");
        }
        exchange.setProperty(GatewayExchange.PRINCIPAL, principal);
        TenantScope.bind(exchange, principal.tenantId()); // from here on the database shows this tenant only
    }

    public ApiPrincipal authenticate(String key) {
        return TenantScope.asSystem(() -> keys.findActive(key)) // a key is looked up before its tenant is known
                .orElseThrow(() -> new GatewayException.NotAuthenticated("unknown or revoked API key"));
    }

    /**
     * The real request header only: platform-http also turns query parameters into message headers,
     * and a key in a URL ends up in proxy and browser logs, so {@code ?Authorization=…} counts as none.
     */
    static String authorizationHeader(Exchange exchange) {
        jakarta.servlet.http.HttpServletRequest request = exchange.getMessage()
                .getHeader("CamelHttpServletRequest", jakarta.servlet.http.HttpServletRequest.class);
        return request == null ? null : request.getHeader("Authorization");
    }

    static String bearer(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).strip();
        return token.isEmpty() ? null : token;
    }
}
