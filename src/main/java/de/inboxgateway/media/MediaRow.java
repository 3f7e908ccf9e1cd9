package de.inboxgateway.media;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** One media item as stored in table {@code media}. */
public record MediaRow(UUID id, long tenantId, String origin, Long messageId, String channel, Long channelId,
                       int position, String kind, String mimeType, String filename, String caption, Long size,
                       String sha256, String status, String errorCode, String errorMessage, String providerMediaId,
                       String providerUrl, String providerSha256, String storageKey, int attempts,
                       Instant createdAt, Instant storedAt) {

    public static final String STORED = "stored";
    public static final String FAILED = "failed";
    public static final String REJECTED = "rejected";

    public boolean stored() {
        return STORED.equals(status);
    }

    /** The public shape of a media item: in messages, in events and in API answers. */
    public Map<String, Object> view() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", id.toString());
        v.put("kind", kind);
        v.put("mimeType", mimeType);
        v.put("filename", filename);
        v.put("caption", caption);
        v.put("size", size);
        v.put("sha256", sha256);
        v.put("status", status);
        v.put("error", errorCode == null ? null : Map.of("code", errorCode, "message", errorMessage == null ? "" : errorMessage));
        return v;
    }
}
