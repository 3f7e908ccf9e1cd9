package de.inboxgateway.access;

import java.util.Set;

/** The caller behind an API key: the key decides the tenant, never a path or a body. */
public record ApiPrincipal(long keyId, String keyName, long tenantId, String tenantSlug, Set<String> scopes) {

    /** How the caller appears in the audit trail. */
    public String actor() {
        return "api-key:" + keyId + ":" + keyName;
    }
}
