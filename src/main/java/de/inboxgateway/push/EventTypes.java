package de.inboxgateway.push;

import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
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

    private static Set<String> read() {
        Set<String> types = new TreeSet<>();
        for (Class<?> type : TenantEvent.class.getPermittedSubclasses()) {
            if (!type.isRecord()) {
                continue;
            }
            types.add(instance(type).type());
        }
        return Set.copyOf(types);
    }

    /**
     * An instance only to ask its type name (a constant): built with neutral values, or, if its
     * constructor refuses those, allocated without running a constructor at all.
     */
    private static TenantEvent instance(Class<?> type) {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] parameterTypes = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            parameterTypes[i] = components[i].getType();
            values[i] = neutral(parameterTypes[i]);
        }
        try {
            Constructor<?> constructor = type.getDeclaredConstructor(parameterTypes);
            constructor.setAccessible(true);
            return (TenantEvent) constructor.newInstance(values);
        } catch (ReflectiveOperationException | RuntimeException refused) {
            try {
                java.lang.reflect.Field field = Class.forName("sun.misc.Unsafe").getDeclaredField("theUnsafe");
                field.setAccessible(true);
                Object unsafe = field.get(null);
                return (TenantEvent) unsafe.getClass().getMethod("allocateInstance", Class.class).invoke(unsafe, type);
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new IllegalStateException("cannot read the type name of " + type.getSimpleName(), e);
            }
        }
    }

    private static Object neutral(Class<?> type) {
        if (!type.isPrimitive()) {
            return null;
        }
        if (type == boolean.class) {
            return false;
        }
        if (type == char.class) {
            return '\0';
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0d;
        }
        if (type == float.class) {
            return 0f;
        }
        if (type == byte.class) {
            return (byte) 0;
        }
        if (type == short.class) {
            return (short) 0;
        }
        return 0;
    }
}
