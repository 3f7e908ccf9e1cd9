package de.inboxgateway.access;

import java.util.function.Supplier;

/**
 * The tenant the current thread works for, handed to PostgreSQL as the setting gateway.tenant on
 * every connection it takes (TenantScopedDataSource), where row-level security enforces it. Unset
 * means no tenant at all: the tenant tables then look empty. {@link #SYSTEM} is the gateway's own
 * cross-tenant work, used deliberately and narrowly.
 */
public final class TenantScope {

    public static final String SYSTEM = "*";
    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private TenantScope() {
    }

    public static void set(long tenantId) {
        CURRENT.set(Long.toString(tenantId));
    }

    public static void system() {
        CURRENT.set(SYSTEM);
    }

    public static void clear() {
        CURRENT.remove();
    }

    public static String current() {
        String value = CURRENT.get();
        return value == null ? "" : value;
    }

    /** Runs cross-tenant system work, then restores what the thread had. */
    public static <T> T asSystem(Supplier<T> work) {
        String before = CURRENT.get();
        CURRENT.set(SYSTEM);
        try {
            return work.get();
        } finally {
            if (before == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(before);
            }
        }
    }

    public static void asSystem(Runnable work) {
        asSystem(() -> {
            work.run();
            return null;
        });
    }
}
