package de.inboxgateway.webhook;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import de.inboxgateway.support.ApiException;

/**
 * An application/x-www-form-urlencoded body, decoded exactly once from the raw text ('+' is a space,
 * %XX is UTF-8). We parse it ourselves because platform-http's form map keeps values percent-encoded
 * ("%2B49…") and merges query parameters in, and Twilio signs the decoded body parameters only.
 */
public record FormBody(Map<String, List<String>> params) {

    public static FormBody parse(String raw) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (raw != null && !raw.isEmpty()) {
            for (String pair : raw.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq < 0) { // Twilio always sends name=value; platform-http would fail on this too
                    throw ApiException.invalid("form body is not valid application/x-www-form-urlencoded");
                }
                String name = decode(pair.substring(0, eq));
                String value = decode(pair.substring(eq + 1));
                params.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
        }
        params.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return new FormBody(Collections.unmodifiableMap(params));
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("form body is not valid application/x-www-form-urlencoded");
        }
    }

    /** A form of single-valued parameters, in their order. */
    public static FormBody of(Map<String, String> single) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        single.forEach((k, v) -> params.put(k, List.of(v)));
        return new FormBody(Collections.unmodifiableMap(params));
    }

    /** The application/x-www-form-urlencoded text of this form. */
    public String encode() {
        StringBuilder form = new StringBuilder();
        params.forEach((name, values) -> values.forEach(value -> form.append(form.length() == 0 ? "" : "&")
                .append(java.net.URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(java.net.URLEncoder.encode(value, StandardCharsets.UTF_8))));
        return form.toString();
    }

    /** The first value of a parameter, or null. */
    public String first(String name) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
