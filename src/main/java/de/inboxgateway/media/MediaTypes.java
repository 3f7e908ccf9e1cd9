package de.inboxgateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.tika.config.TikaConfig;
import org.apache.tika.detect.Detector;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;

/**
 * What a file is, decided from its bytes (Apache Tika's magic detection, with the filename as a hint
 * for the formats that are containers, such as .docx inside a zip), never from a header. Which types
 * may be sent (WhatsApp's list), which kind each is, and which may be shown inline.
 */
public final class MediaTypes {

    /** What WhatsApp carries (protocols addendum §5.2); uploads of anything else are refused. */
    private static final Map<String, String> SENDABLE = Map.ofEntries(
            Map.entry("image/jpeg", "image"),
            Map.entry("image/png", "image"),
            Map.entry("image/webp", "sticker"),
            Map.entry("video/mp4", "video"),
            Map.entry("video/3gpp", "video"),
            Map.entry("audio/aac", "audio"),
            Map.entry("audio/amr", "audio"),
            Map.entry("audio/mpeg", "audio"),
            Map.entry("audio/mp4", "audio"),
            Map.entry("audio/ogg", "audio"),
            Map.entry("text/plain", "document"),
            Map.entry("application/pdf", "document"),
            Map.entry("application/msword", "document"),
            Map.entry("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "document"),
            Map.entry("application/vnd.ms-excel", "document"),
            Map.entry("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "document"),
            Map.entry("application/vnd.ms-powerpoint", "document"),
            Map.entry("application/vnd.openxmlformats-officedocument.presentationml.presentation", "document"));

    /** Names Tika or a client may use for the same thing. */
    private static final Map<String, String> ALIASES = Map.of(
            "image/jpg", "image/jpeg",
            "image/pjpeg", "image/jpeg",
            "audio/opus", "audio/ogg",
            "audio/vorbis", "audio/ogg",
            "audio/x-aac", "audio/aac",
            "audio/mp3", "audio/mpeg",
            "video/quicktime", "video/mp4",
            "audio/x-m4a", "audio/mp4");

    /** Shown in a browser as they are; everything else is served as an attachment. */
    private static final Set<String> INLINE = Set.of("image/jpeg", "image/png", "image/webp", "image/gif",
            "audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg", "video/mp4", "video/3gpp");

    /** How many leading bytes detection may read (the stream is reset afterwards). */
    public static final int DETECTION_BYTES = 64 * 1024;

    private static final Detector DETECTOR = TikaConfig.getDefaultConfig().getDetector();

    private MediaTypes() {
    }

    /**
     * The type of the bytes, in lower case without parameters. The stream must support mark/reset;
     * it is reset to where it was.
     */
    public static String detect(InputStream markable, String filename) throws IOException {
        Metadata metadata = new Metadata();
        if (filename != null) {
            metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, filename);
        }
        MediaType type = DETECTOR.detect(markable, metadata);
        return normalize(type.getBaseType().toString());
    }

    /** Lower case, no parameters ({@code audio/ogg; codecs=opus} → {@code audio/ogg}), aliases resolved. */
    public static String normalize(String mime) {
        if (mime == null) {
            return null;
        }
        String base = mime.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return ALIASES.getOrDefault(base, base);
    }

    public static boolean sendable(String mime) {
        return SENDABLE.containsKey(normalize(mime));
    }

    /** image, document, audio, video or sticker. */
    public static String kind(String mime) {
        String m = normalize(mime);
        String known = m == null ? null : SENDABLE.get(m);
        if (known != null) {
            return known;
        }
        if (m != null && m.startsWith("image/")) {
            return "image";
        }
        if (m != null && m.startsWith("video/")) {
            return "video";
        }
        if (m != null && m.startsWith("audio/")) {
            return "audio";
        }
        return "document";
    }

    /** Whether the bytes are what the caller said they are ({@code application/octet-stream} claims nothing). */
    public static boolean matches(String declared, String detected) {
        String d = normalize(declared);
        return d == null || d.isEmpty() || "application/octet-stream".equals(d) || d.equals(normalize(detected));
    }

    public static boolean inline(String mime) {
        return INLINE.contains(normalize(mime));
    }

    /**
     * The Content-Type a file is served with: its own when it cannot run in a browser, otherwise a
     * neutral one (HTML, SVG, XML or script from a resident must never execute on the inbox's origin).
     */
    public static String servedAs(String mime) {
        String m = normalize(mime);
        if (m == null || m.contains("html") || m.contains("xml") || m.contains("javascript") || m.contains("ecmascript")
                || m.startsWith("multipart/") || !m.matches("[a-z0-9.+-]+/[a-z0-9.+-]+")) {
            return "application/octet-stream";
        }
        return m;
    }
}
