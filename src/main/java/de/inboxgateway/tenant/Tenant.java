package de.inboxgateway.tenant;

import java.time.Instant;

/** A property-management company. {@code optOutConfirmationText} null means the configured default. */
public record Tenant(long id, String slug, String name, String optOutConfirmationText, Instant createdAt) {
}
