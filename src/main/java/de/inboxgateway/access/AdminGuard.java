package de.inboxgateway.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.GatewayException;

/** The admin API's gate: the bearer token must equal {@code gateway.admin-token}. */
@Component("adminGuard")
public class AdminGuard {

    private final byte[] expectedDigest;

    public AdminGuard(GatewayProperties properties) {
        String token = properties.getAdminToken();
        this.expectedDigest = token == null || token.isBlank() ? null : digest(token);
    }

    public void require(Exchange exchange) {
        String token = ApiKeyGuard.bearer(ApiKeyGuard.authorizationHeader(exchange));
        exchange.getMessage().removeHeader("Authorization");
        if (expectedDigest == null) {
            throw new GatewayException.NotAuthenticated("the admin API is disabled: gateway.admin-token is not set");
        }
        // Digests have equal length, so the comparison leaks neither content nor length of the token.
        if (token == null || !MessageDigest.isEqual(expectedDigest, digest(token))) {
            throw new GatewayException.NotAuthenticated("admin token missing or wrong");
        }
        TenantScope.bindSystem(exchange); // the operator works across tenants
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
