package de.inboxgateway.tenant;

import java.time.Instant;

public record Tenant(long id, String slug, String name, Instant createdAt) {
}
