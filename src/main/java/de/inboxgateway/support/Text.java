package de.inboxgateway.support;

import java.util.regex.Pattern;

/**
 * PostgreSQL text and jsonb cannot hold the NUL character. A provider message carrying one must
 * still be stored (otherwise the provider would retry it forever), so NUL is removed on the way in.
 */
public final class Text {

    // A \u0000 escape in serialized JSON that is not itself an escaped backslash followed by "u0000".
    private static final Pattern JSON_NUL = Pattern.compile("(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000");

    private Text() {
    }

    public static String clean(String s) {
        return s == null || s.indexOf('\0') < 0 ? s : s.replace("\0", "");
    }

    public static String cleanJson(String json) {
        return json == null || !json.contains("\\u0000") ? json : JSON_NUL.matcher(json).replaceAll("$1");
    }
}
