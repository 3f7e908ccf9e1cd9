package de.inboxgateway.media;

import java.util.UUID;

/**
 * Object keys in the media store: {@code t<tenant id>/<media id>}. Both parts are the gateway's own
 * (a number and a UUID), so a key can never climb out of its folder, and one tenant's files stay
 * under one prefix.
 */
public final class MediaKeys {

    private MediaKeys() {
    }

    public static String of(long tenantId, UUID mediaId) {
        return "t" + tenantId + "/" + mediaId;
    }

    /** True for keys this class makes; stores refuse anything else. */
    private static boolean valid(String key) {
        return key != null && key.matches("t[0-9]{1,19}/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }

    static void check(String key) {
        if (!valid(key)) {
            throw new IllegalArgumentException("not a media key: " + key);
        }
    }
}
