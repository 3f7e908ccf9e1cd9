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

    /** A cursor of a list ordered by time, then id (conversations): both parts must be there. */
    public static Position decodeTimed(String cursor) {
        return decode(cursor, true);
    }

    /** A cursor of a list ordered by id alone (messages). */
    public static Position decodeId(String cursor) {
        return decode(cursor, false);
    }

    private static Position decode(String cursor, boolean timed) {
        if (cursor == null || cursor.isBlank()) {
            return null;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor.strip()), StandardCharsets.UTF_8);
            int bar = raw.indexOf('|');
            // Exactly the shape encode() writes for this list; anything else is a crafted cursor (400).
            if (bar < 0 || (bar == 0) == timed) {
                throw new IllegalArgumentException("wrong shape");
            }
            Instant at = timed ? Instant.parse(raw.substring(0, bar)) : null;
            long id = Long.parseLong(raw.substring(bar + 1));
            if (id < 1) {
                throw new IllegalArgumentException("not an id");
            }
            return new Position(at, id);
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
