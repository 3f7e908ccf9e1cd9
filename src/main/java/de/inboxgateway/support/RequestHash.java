package de.inboxgateway.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The fingerprint an Idempotency-Key is stored with: SHA-256 over the request's parts, each ended by
 * a zero byte so that ("ab", "c") and ("a", "bc") differ. A repeated key with another fingerprint is
 * another request (409 IDEMPOTENCY_KEY_REUSED).
 */
public final class RequestHash {

    private RequestHash() {
    }

    public static byte[] of(String... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                digest.update(part.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
