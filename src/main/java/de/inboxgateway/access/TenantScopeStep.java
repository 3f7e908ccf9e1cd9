package de.inboxgateway.access;

import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * The route step that names the tenant where the tenant comes from the work itself (a queued
 * confirmation of some tenant, swept up by a job): {@code bean: {ref: tenantScope, method:
 * "of(${exchange}, ${body.tenantId})"}}.
 */
@Component("tenantScope")
public class TenantScopeStep {

    public void of(Exchange exchange, long tenantId) {
        TenantScope.bind(exchange, tenantId);
    }
}
