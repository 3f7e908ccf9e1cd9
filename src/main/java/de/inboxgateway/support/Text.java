package de.inboxgateway.support;

import java.util.regex.Pattern;

/**
 * PostgreSQL text and jsonb cannot hold the NUL character, nor half of a UTF-16 surrogate pair. A
 * provider message carrying either must still be stored (otherwise the provider would retry it
 * forever), so NUL is removed and a lone surrogate becomes U+FFFD on the way in.
 */
public final class Text {

    // A \u0000 escape in serialized JSON that is not itself an escaped backslash followed by "u0000".
    private static final Pattern JSON_NUL = Pattern.compile("(?<!\\\\)((?:\\\\\\\\)*)\\\\u0000");

    private Text() {
    }

    public static String clean(String s) {
        if (s == null) {
            return null;
        }
        String noNul = s.indexOf('\0') < 0 ? s : s.replace("\0", "");
        return pairedSurrogates(noNul);
    }

    public static String cleanJson(String json) {
        if (json == null) {
            return null;
        }
        String noNul = !json.contains("\\u0000") ? json : JSON_NUL.matcher(json).replaceAll("$1");
        return pairedSurrogates(noNul);
    }

    /** Text of at most {@code max} characters, for messages that quote what a caller sent. */
    public static String truncate(String s, int max) {
        String clean = clean(s);
        return clean == null || clean.length() <= max ? clean : clean.substring(0, max) + "…";
    }

    /**
     * What a caller sent, made safe to quote in a log line or an audit entry: control characters
     * (line breaks included, C1 and the Unicode line separators too) become visible escapes such as
     * {@code \u000a}, so nobody can forge a line; then at most {@code max} characters.
     */
    public static String forLog(String s, int max) {
        String clean = clean(s);
        if (clean == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(Math.min(clean.length(), max) + 8);
        int i = 0;
        for (; i < clean.length() && out.length() < max; i++) {
            char c = clean.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029') {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return i < clean.length() ? out.append('…').toString() : out.toString();
    }

    private static String pairedSurrogates(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean lone = Character.isHighSurrogate(c)
                    ? i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))
                    : Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(s.charAt(i - 1)));
            if (lone && out == null) {
                out = new StringBuilder(s.length()).append(s, 0, i);
            }
            if (out != null) {
                out.append(lone ? '\uFFFD' : c);
            }
        }
        return out == null ? s : out.toString();
    }
}
