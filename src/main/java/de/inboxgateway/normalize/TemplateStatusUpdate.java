package de.inboxgateway.normalize;

import de.inboxgateway.support.Channel;

/**
 * Meta moved one of the tenant's message templates (webhook field {@code message_template_status_update},
 * routed by the WhatsApp Business Account): {@code event} is the new status (APPROVED, REJECTED, PAUSED,
 * DISABLED, …), {@code language} already spelled as the template list spells it ({@code en_US}).
 * {@code status}: the template's status after it, or null for events that leave it as it is
 * (FLAGGED, LOCKED, …: the template can still be sent).
 */
public record TemplateStatusUpdate(long tenantId, String tenant, Channel channel, String wabaId, String templateId,
                                   String name, String language, String event, String status, String reason)
        implements InboundItem {

    /** Webhook events that are statuses of their own; REINSTATED brings a template back to APPROVED. */
    private static final java.util.Set<String> STATUSES = java.util.Set.of("APPROVED", "REJECTED", "PENDING", "PAUSED",
            "DISABLED", "IN_APPEAL", "PENDING_DELETION", "DELETED", "ARCHIVED", "LIMIT_EXCEEDED");

    public static String statusOf(String event) {
        if ("REINSTATED".equals(event)) {
            return "APPROVED";
        }
        return STATUSES.contains(event) ? event : null;
    }
}
