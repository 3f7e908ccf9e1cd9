package de.inboxgateway.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;

import org.apache.camel.spi.PropertiesSource;
import org.springframework.beans.BeanWrapper;
import org.springframework.beans.PropertyAccessorFactory;
import org.springframework.stereotype.Component;

/**
 * Lets the routes read {@code {{gateway.…}}} straight from {@link GatewayProperties}, so every setting
 * and its default is declared once, there (with its configuration metadata), and application.yaml
 * need not repeat a default for a route to see it. What the environment sets still wins: it is bound
 * into GatewayProperties first. Durations reach Camel as milliseconds.
 */
@Component
public class GatewayPropertiesSource implements PropertiesSource {

    private static final String PREFIX = "gateway.";
    private final BeanWrapper properties;

    public GatewayPropertiesSource(GatewayProperties properties) {
        this.properties = PropertyAccessorFactory.forBeanPropertyAccess(properties);
    }

    @Override
    public String getName() {
        return "gateway-properties";
    }

    @Override
    public String getProperty(String name) {
        if (name == null || !name.startsWith(PREFIX)) {
            return null;
        }
        String path = path(name);
        if (!properties.isReadableProperty(path)) {
            return null;
        }
        Object value = properties.getPropertyValue(path);
        if (value instanceof Duration d) {
            return String.valueOf(d.toMillis());
        }
        return value == null ? null : value.toString();
    }

    /** {@code gateway.media.poll-interval} → {@code media.pollInterval}. */
    static String path(String name) {
        return Arrays.stream(name.substring(PREFIX.length()).split("\\."))
                .map(GatewayPropertiesSource::camelCase).collect(Collectors.joining("."));
    }

    private static String camelCase(String kebab) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }
}
