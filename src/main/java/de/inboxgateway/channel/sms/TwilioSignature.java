package de.inboxgateway.channel.sms;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Twilio's {@code X-Twilio-Signature}: Base64 HMAC-SHA1(auth token, URL + each decoded form parameter
 * as name+value, names in ordinal order). Repeated names append their distinct values in ascending
 * order, as Twilio's node and python validators do. Because Twilio sometimes signs the URL with the
 * default port written out and sometimes without, both forms are accepted, like all of Twilio's own
 * validators.
 */
public final class TwilioSignature {

    private TwilioSignature() {
    }

    public static boolean matches(String authToken, String url, Map<String, List<String>> params, String header) {
        if (authToken == null || header == null || header.isEmpty()) {
            return false;
        }
        byte[] given = header.getBytes(StandardCharsets.US_ASCII);
        boolean ok = false;
        for (String candidate : new String[] {withoutPort(url), withDefaultPort(url)}) {
            if (candidate != null) {
                byte[] expected = sign(authToken, candidate, params).getBytes(StandardCharsets.US_ASCII);
                ok |= MessageDigest.isEqual(expected, given);
            }
        }
        return ok;
    }

    public static String sign(String authToken, String url, Map<String, List<String>> params) {
        StringBuilder data = new StringBuilder(url);
        Map<String, List<String>> sorted = new TreeMap<>(params); // String order is ordinal (UTF-16), as Twilio's
        sorted.forEach((name, values) -> {
            for (String value : new TreeSet<>(values)) {
                data.append(name).append(value == null ? "" : value);
            }
        });
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(authToken.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The URL with any port removed, even a non-standard one. */
    static String withoutPort(String url) {
        try {
            URI u = new URI(url);
            if (u.getPort() == -1) {
                return url;
            }
            return rebuild(u, -1);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /** The URL with the scheme's default port added when it names none. */
    static String withDefaultPort(String url) {
        try {
            URI u = new URI(url);
            if (u.getPort() != -1) {
                return url;
            }
            return rebuild(u, "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80);
        } catch (URISyntaxException e) {
            return null;
        }
    }

    // Rebuilt from the raw parts, so the path and query keep their exact bytes.
    private static String rebuild(URI u, int port) {
        StringBuilder b = new StringBuilder();
        b.append(u.getScheme()).append("://");
        if (u.getRawUserInfo() != null) {
            b.append(u.getRawUserInfo()).append('@');
        }
        b.append(u.getHost());
        if (port != -1) {
            b.append(':').append(port);
        }
        if (u.getRawPath() != null) {
            b.append(u.getRawPath());
        }
        if (u.getRawQuery() != null) {
            b.append('?').append(u.getRawQuery());
        }
        if (u.getRawFragment() != null) {
            b.append('#').append(u.getRawFragment());
        }
        return b.toString();
    }
}
