package de.inboxgateway.template;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import de.inboxgateway.events.EventLog;
import de.inboxgateway.events.TenantEvent;
import de.inboxgateway.normalize.TemplateStatusUpdate;
import de.inboxgateway.support.Text;

/**
 * Stage 6 for template status webhooks: the stored template moves to Meta's new status (a paused or
 * disabled one can no longer be sent) and a {@code template.status} event tells the inbox and the ERP.
 * A template not stored yet (no sync since it was created) still gets its event; the next sync stores it.
 */
@Component("templateStatusUpdates")
public class TemplateStatusUpdates {

    private static final Logger LOG = LoggerFactory.getLogger(TemplateStatusUpdates.class);
    private final TemplateRepository templates;
    private final EventLog events;
    private final Clock clock;

    public TemplateStatusUpdates(TemplateRepository templates, EventLog events, Clock clock) {
        this.templates = templates;
        this.events = events;
        this.clock = clock;
    }

    public void apply(TemplateStatusUpdate u) {
        boolean stored = u.status() == null
                ? templates.status(u.tenantId(), u.name(), u.language()).isPresent()
                : templates.updateStatus(u.tenantId(), u.wabaId(), u.name(), u.language(), u.status(),
                Text.truncate(u.reason(), 500), clock.instant());
        if (!stored) {
            LOG.info("status {} for template {} ({}) of tenant {}, not stored yet: sync the templates", u.event(),
                    Text.forLog(u.name(), 80), Text.forLog(u.language(), 20), u.tenant());
        }
        // an event that is no status of its own (FLAGGED, LOCKED, …) reports the status the template keeps
        String status = u.status() != null ? u.status() : templates.status(u.tenantId(), u.name(), u.language()).orElse(null);
        events.publish(u.tenantId(), null, null, new TenantEvent.TemplateStatus(u.name(), u.language(), status, u.event(),
                Text.truncate(u.reason(), 500), u.templateId(), u.wabaId()));
    }
}
