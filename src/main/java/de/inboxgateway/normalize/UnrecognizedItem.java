package de.inboxgateway.normalize;

import com.fasterxml.jackson.databind.JsonNode;

import de.inboxgateway.support.Channel;

/** Something a verified webhook carried that the normalizer has no mapping for; stored as it came. */
public record UnrecognizedItem(long tenantId, String tenant, Channel channel, String kind, JsonNode payload)
        implements InboundItem {
}
