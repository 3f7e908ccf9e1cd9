package de.inboxgateway.normalize;

import de.inboxgateway.support.Channel;

/**
 * One thing a provider told us, in one canonical shape whatever the provider: a message, a status of
 * one of our sends, or something we do not recognize (kept, never dropped). The content-based router
 * of the inbound pipeline chooses by this type.
 */
public sealed interface InboundItem permits InboundMessage, StatusUpdate, TemplateStatusUpdate, UnrecognizedItem {

    long tenantId();

    String tenant();

    Channel channel();
}
