package de.inboxgateway.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Says at start what an operator must know: which settings are missing or unsafe. */
@Component
public class StartupChecks {

    private static final Logger LOG = LoggerFactory.getLogger(StartupChecks.class);
    private final GatewayProperties properties;

    public StartupChecks(GatewayProperties properties, org.springframework.core.env.Environment environment) {
        this.properties = properties;
        // The sandbox beside a production profile is a configuration error, not a warning.
        if (properties.getSandbox().isEnabled() && (environment.matchesProfiles("prod") || environment.matchesProfiles("production"))) {
            throw new IllegalStateException("gateway.sandbox.enabled=true together with a production profile: refusing to start");
        }
        refuseKnownSecrets(properties, environment.matchesProfiles("dev"));
    }

    /**
     * The values published in this repository (the dev profile's, the old compose default) protect
     * nothing: outside the dev profile they stop the start, naming the setting.
     */
    static void refuseKnownSecrets(GatewayProperties properties, boolean dev) {
        if (dev) {
            return;
        }
        if (KNOWN_ADMIN_TOKENS.contains(properties.getAdminToken())) {
            throw new IllegalStateException("gateway.admin-token is a value published in this repository: set your own "
                    + "(e.g. openssl rand -base64 24), or run with the dev profile");
        }
        if (KNOWN_SECRETS_KEYS.contains(properties.getSecretsKey())) {
            throw new IllegalStateException("gateway.secrets-key is a value published in this repository: set your own "
                    + "(openssl rand -base64 32), or run with the dev profile");
        }
    }

    private static final java.util.Set<String> KNOWN_ADMIN_TOKENS = java.util.Set.of("dev-admin-token-change-me",
            "local-admin-token-change-me");
    private static final java.util.Set<String> KNOWN_SECRETS_KEYS = java.util.Set.of(
            "ZGV2LW9ubHktc2VjcmV0cy1rZXktMzItYnl0ZXMhISE=");

    @EventListener(ApplicationReadyEvent.class)
    public void report() {
        if (properties.getAdminToken() == null || properties.getAdminToken().isBlank()) {
            LOG.warn("gateway.admin-token is not set: the admin API answers 401 to everyone");
        } else if (properties.getAdminToken().length() < 16) {
            LOG.warn("gateway.admin-token is shorter than 16 characters");
        }
        LOG.info("webhooks expect providers to call {}", properties.getPublicBaseUrl());
    }
}
