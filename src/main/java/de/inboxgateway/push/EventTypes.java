package de.inboxgateway.push;

import java.util.Set;
import java.util.TreeSet;

import de.inboxgateway.events.TenantEvent;

/**
 * The event types a subscription may name: read from the sealed {@link TenantEvent} itself, so a
 * type added there can be subscribed to without a second list to keep in step.
 */
final class EventTypes {

    private static final Set<String> KNOWN = read();

    private EventTypes() {
    }

    static Set<String> known() {
        return KNOWN;
    }

    /** Every event record declares its wire name as {@code TYPE} (the constant its {@code type()} returns). */
    private static Set<String> read() {
        Set<String> types = new TreeSet<>();
        for (Class<?> type : TenantEvent.class.getPermittedSubclasses()) {
            try {
                types.add((String) type.getField("TYPE").get(null));
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(type.getSimpleName() + " declares no TYPE: every TenantEvent must", e);
            }
        }
        return Set.copyOf(types);
    }
}
