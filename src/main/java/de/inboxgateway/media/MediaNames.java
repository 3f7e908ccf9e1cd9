package de.inboxgateway.media;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Filenames that came from a resident, a provider or a caller are shown, never used as paths: no
 * path separators, no control characters, a bounded length. The Content-Disposition header carries
 * them in the RFC 6266 / RFC 5987 form that every browser reads.
 */
public final class MediaNames {

    private MediaNames() {
    }

    public static String safe(String name) {
        if (name == null) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        name.codePoints().forEach(c -> {
            if (c == '/' || c == '\\' || Character.isISOControl(c) || c == 0x7f
                    || Character.getType(c) == Character.FORMAT || Character.getType(c) == Character.SURROGATE) {
                b.append('_');
            } else {
                b.appendCodePoint(c);
            }
        });
        String s = b.toString().strip();
        while (s.startsWith(".")) { // no hidden files, no "..": a name, not a place
            s = s.substring(1);
        }
        if (s.codePointCount(0, s.length()) > 200) {
            s = s.substring(0, s.offsetByCodePoints(0, 200));
        }
        return s.isBlank() ? null : s;
    }

    /** {@code attachment; filename="ascii"; filename*=UTF-8''percent-encoded}. */
    public static String contentDisposition(String type, String name) {
        String safe = safe(name);
        if (safe == null) {
            return type;
        }
        String ascii = safe.replaceAll("[^\\x20-\\x7e]", "_").replace("\"", "_").replace(";", "_");
        String encoded = URLEncoder.encode(safe, StandardCharsets.UTF_8).replace("+", "%20");
        return type + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }
}
