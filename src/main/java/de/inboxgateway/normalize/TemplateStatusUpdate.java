package de.inboxgateway.normalize;

import de.inboxgateway.support.Channel;

/**
 * Meta moved one of the tenant's message templates (webhook field {@code message_template_status_update},
 * routed by the WhatsApp Business Account): {@code event} is the new status (APPROVED, REJECTED, PAUSED,
 * DISABLED, …), {@code language} already spelled as the template list spells it ({@code en_US}).
 */
public record TemplateStatusUpdate(long tenantId, String tenant, Channel channel, String wabaId, String templateId,
                                   String name, String language, String event, String reason) implements InboundItem {
}
