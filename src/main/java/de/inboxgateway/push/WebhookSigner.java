package de.inboxgateway.push;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks, symmetric scheme {@code v1} (standardwebhooks.com, spec 1.0.0): the signature
 * is base64 of HMAC-SHA256, keyed with the base64-decoded secret after {@code whsec_}, over
 * {@code {webhook-id}.{webhook-timestamp}.{body}}, the body exactly as sent.
 */
public final class WebhookSigner {

    public static final String SECRET_PREFIX = "whsec_";
    /** The spec asks for 24 to 64 random bytes; 32 is HMAC-SHA256's own block of strength. */
    static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSigner() {
    }

    /** A new subscription secret: {@code whsec_} + base64 of 32 random bytes. */
    public static String newSecret() {
        byte[] key = new byte[SECRET_BYTES];
        RANDOM.nextBytes(key);
        return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
    }

    /** The {@code webhook-signature} header value: {@code v1,<base64>}. */
    public static String sign(String secret, String webhookId, long timestamp, String body) {
        String raw = secret.startsWith(SECRET_PREFIX) ? secret.substring(SECRET_PREFIX.length()) : secret;
        byte[] key = Base64.getDecoder().decode(raw);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] signed = mac.doFinal((webhookId + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(signed);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** The {@code webhook-id} of an event: the same for every attempt, retry and replay of it. */
    public static String webhookId(String tenantSlug, long eventId) {
        return "evt_" + tenantSlug + "_" + eventId;
    }
}
