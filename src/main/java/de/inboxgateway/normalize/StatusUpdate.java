package de.inboxgateway.normalize;

import java.time.Instant;

import de.inboxgateway.support.Channel;

/** A provider's report on one of our outbound messages: sent, delivered, read, failed, … */
public record StatusUpdate(
        long tenantId,
        String tenant,
        Channel channel,
        String providerMessageId,
        String status,
        Instant providerTimestamp,
        String recipient,
        String errorCode,
        String errorMessage) implements InboundItem {
}
