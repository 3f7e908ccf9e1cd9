package de.inboxgateway.channel.whatsapp;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Meta's {@code X-Hub-Signature-256}: "sha256=" + lowercase hex HMAC-SHA256(app secret, raw body).
 * Always over the bytes as received: Meta escapes non-ASCII as {@code \}uXXXX, so re-serialized JSON
 * would never match.
 */
public final class HubSignature {

    private static final String PREFIX = "sha256=";
    /** Mac.getInstance looks the provider up each time; one instance per thread is re-keyed instead. */
    private static final ThreadLocal<Mac> MAC = ThreadLocal.withInitial(() -> {
        try {
            return Mac.getInstance("HmacSHA256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    private HubSignature() {
    }

    public static boolean matches(String appSecret, byte[] body, String header) {
        if (appSecret == null || header == null || !header.startsWith(PREFIX)) {
            return false;
        }
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header.substring(PREFIX.length()).toLowerCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(hmac(appSecret, body), given);
    }

    public static String sign(String appSecret, byte[] body) {
        return PREFIX + HexFormat.of().formatHex(hmac(appSecret, body));
    }

    private static byte[] hmac(String secret, byte[] body) {
        try {
            Mac mac = MAC.get();
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return mac.doFinal(body);
        } catch (InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
