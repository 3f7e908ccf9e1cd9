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
    }

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
