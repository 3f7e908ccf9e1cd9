package de.inboxgateway.outbound;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A WhatsApp template message, checked against the stored template: Meta's {@code components} as
 * the Graph API takes them, and the body as the resident reads it (stored as the message's text).
 */
public record TemplateSend(String name, String language, JsonNode components, String body) {
}
