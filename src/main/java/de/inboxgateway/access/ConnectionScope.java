package de.inboxgateway.access;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Re-scopes the connection of the running transaction to another tenant. Only for work that serves
 * several tenants in one transaction on purpose (the inbound group commit): every other transaction
 * keeps the scope its connection got when it was taken from the pool (TenantScopedDataSource).
 * Row-level security stays in force throughout; the connection only ever shows one tenant at a time.
 */
@Component
public class ConnectionScope {

    private final JdbcTemplate jdbc;

    public ConnectionScope(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** From here on the transaction's statements see this tenant (an id, or {@link TenantScope#SYSTEM}). */
    public void enter(String scope) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("a connection is re-scoped only inside a transaction");
        }
        String[] held = (String[]) TransactionSynchronizationManager.getResource(this);
        if (held == null) {
            held = new String[1];
            TransactionSynchronizationManager.bindResource(this, held);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(ConnectionScope.this);
                }
            });
        }
        if (scope.equals(held[0])) {
            return; // one round trip per change of tenant, not per statement
        }
        jdbc.queryForObject("select set_config('gateway.tenant', ?, false)", String.class, scope);
        held[0] = scope;
    }

    /**
     * For writes at commit time (the event log): in a re-scoped transaction, the tenant's own scope
     * first; otherwise nothing to do, the connection already has the scope it was taken with.
     */
    public void enterIfRescoped(long tenantId) {
        if (TransactionSynchronizationManager.getResource(this) != null) {
            enter(Long.toString(tenantId));
        }
    }
}
