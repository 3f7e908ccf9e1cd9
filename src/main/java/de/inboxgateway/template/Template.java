package de.inboxgateway.template;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A WhatsApp message template as Meta approved (or refused) it, kept per tenant and WhatsApp Business
 * Account. {@code components} are exactly as the Graph API returned them (types in upper case).
 */
public record Template(String wabaId, String providerId, String name, String language, String status,
                       String category, String parameterFormat, JsonNode components, String reason,
                       Instant syncedAt, Instant updatedAt) {

    public static final String APPROVED = "APPROVED";

    public boolean approved() {
        return APPROVED.equals(status);
    }

    public boolean named() {
        return "NAMED".equalsIgnoreCase(parameterFormat);
    }

    /** Meta writes {@code en_US} in the list and {@code en-US} in status webhooks: one spelling here. */
    public static String language(String language) {
        return language == null ? null : language.strip().replace('-', '_');
    }
}
