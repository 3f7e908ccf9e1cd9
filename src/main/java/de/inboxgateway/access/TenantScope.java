package de.inboxgateway.access;

import java.util.function.Supplier;

import org.apache.camel.Exchange;

/**
 * Which tenant the database shows: handed to PostgreSQL as the setting {@code gateway.tenant} on
 * every connection taken (TenantScopedDataSource), where row-level security enforces it. Unset means
 * no tenant at all: the tenant tables then look empty. {@link #SYSTEM} is the gateway's own
 * cross-tenant work, used deliberately and narrowly.
 *
 * <p>The one mechanism: in a route, the step that learns the tenant (a guard, a verifier, a job
 * naming its item's tenant) {@linkplain #bind binds} it to the exchange, and
 * {@link TenantScopeInterceptor} sets it before every later step, on whichever thread that step runs,
 * and clears the thread when the exchange is done. Outside routes (start-up, WebSocket callbacks, system jobs),
 * work runs scoped with {@link #as} or {@link #asSystem}. Nothing else sets or clears it.
 */
public final class TenantScope {

    /** Exchange property: the tenant id the exchange works for, or {@link #SYSTEM}. */
    public static final String PROPERTY = "gateway.tenant";
    public static final String SYSTEM = "*";
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private TenantScope() {
    }

    /** The exchange works for this tenant from here on (and so does the step that binds it). */
    public static void bind(Exchange exchange, long tenantId) {
        bind(exchange, Long.toString(tenantId));
    }

    /** The exchange does the gateway's own cross-tenant work from here on (admin, a multi-tenant batch). */
    public static void bindSystem(Exchange exchange) {
        bind(exchange, SYSTEM);
    }

    private static void bind(Exchange exchange, String scope) {
        exchange.setProperty(PROPERTY, scope);
        CURRENT.set(scope);
    }

    /** What the database is told now: a tenant id, {@link #SYSTEM}, or empty for none. */
    public static String current() {
        String value = CURRENT.get();
        return value == null ? "" : value;
    }

    /** Runs work for one tenant outside a route, then restores what the thread had. */
    public static <T> T as(long tenantId, Supplier<T> work) {
        return within(Long.toString(tenantId), work);
    }

    public static void as(long tenantId, Runnable work) {
        within(Long.toString(tenantId), () -> {
            work.run();
            return null;
        });
    }

    /**
     * Runs work for the tenant an exchange is bound to, then restores what the thread had: for a route
     * called with a copy of that exchange on another thread, whose first step may open a transaction
     * before any step has set the scope.
     */
    public static void as(Exchange exchange, Runnable work) {
        String scope = exchange.getProperty(PROPERTY, String.class);
        within(scope == null ? "" : scope, () -> {
            work.run();
            return null;
        });
    }

    /** Runs cross-tenant system work, then restores what the thread had. */
    public static <T> T asSystem(Supplier<T> work) {
        return within(SYSTEM, work);
    }

    public static void asSystem(Runnable work) {
        within(SYSTEM, () -> {
            work.run();
            return null;
        });
    }

    /** For {@link TenantScopeInterceptor}: the scope a step of this exchange runs in. */
    static void enter(Exchange exchange) {
        String scope = exchange.getProperty(PROPERTY, String.class);
        if (scope == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(scope);
        }
    }

    /** For {@link TenantScopeInterceptor}: the exchange is done, its thread works for no tenant. */
    static void leave() {
        CURRENT.remove();
    }

    private static void restore(String before) {
        if (before == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(before);
        }
    }

    private static <T> T within(String scope, Supplier<T> work) {
        String before = CURRENT.get();
        if (scope.isEmpty()) {
            CURRENT.remove();
        } else {
            CURRENT.set(scope);
        }
        try {
            return work.get();
        } finally {
            restore(before);
        }
    }
}
