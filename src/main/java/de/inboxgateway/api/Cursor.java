package de.inboxgateway.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.ApiException;

/** Opaque keyset cursors and page sizes for list endpoints. */
public final class Cursor {

    private Cursor() {
    }

    public record Position(Instant at, long id) {
    }

    public static String encode(Instant at, long id) {
        String raw = (at == null ? "" : at.toString()) + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    public static Position decode(String cursor) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int bar = raw.indexOf('|');
            Instant at = bar == 0 ? null : Instant.parse(raw.substring(0, bar));
            return new Position(at, Long.parseLong(raw.substring(bar + 1)));
        } catch (RuntimeException e) {
            throw ApiException.invalid("cursor is not one this API handed out");
        }
    }

    public static int limit(String value, GatewayProperties.Api api) {
        if (value == null || value.isBlank()) {
            return api.getDefaultPageSize();
        }
        try {
            int limit = Integer.parseInt(value.strip());
            if (limit >= 1 && limit <= api.getMaxPageSize()) {
                return limit;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw ApiException.invalid("limit must be a number from 1 to " + api.getMaxPageSize());
    }
}
