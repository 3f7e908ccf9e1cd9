package de.inboxgateway.events;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;

/** Events stay replayable for {@code gateway.events.retention} (7 days by default), then go. */
@Component
public class EventRetention {

    private static final Logger LOG = LoggerFactory.getLogger(EventRetention.class);
    private final EventLog log;
    private final GatewayProperties properties;
    private final Clock clock;

    public EventRetention(EventLog log, GatewayProperties properties, Clock clock) {
        this.log = log;
        this.properties = properties;
        this.clock = clock;
    }

    /** Route {@code events-retention}. */
    public void purge() {
        try {
            int deleted = de.inboxgateway.access.TenantScope.asSystem(
                    () -> log.deleteOlderThan(clock.instant().minus(properties.getEvents().getRetention())));
            if (deleted > 0) {
                LOG.info("events: {} older than {} deleted", deleted, properties.getEvents().getRetention());
            }
        } catch (RuntimeException e) {
            LOG.warn("events: retention run failed: {}", e.getMessage());
        }
    }
}
