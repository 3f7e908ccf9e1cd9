package de.inboxgateway.media;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;

/**
 * Signed, short-lived media links ({@code <public-base-url>/media/<token>}) that serve the bytes with
 * no header, for an {@code <img src>} and for Twilio's MediaUrl. The token names tenant, media and
 * expiry and carries an HMAC-SHA256 with a key derived from {@code gateway.secrets-key}: nothing is
 * stored, and a link dies with its media (erasure) or at its expiry.
 */
@Component
public class MediaLinks {

    public record Target(long tenantId, UUID mediaId, Instant expiresAt) {
    }

    public record Link(String url, Instant expiresAt) {
    }

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private final SecretKeySpec key;
    private final String baseUrl;
    private final Clock clock;

    public MediaLinks(GatewayProperties properties, Clock clock) {
        this.baseUrl = properties.getPublicBaseUrl() + "/media/";
        this.clock = clock;
        byte[] secret = properties.getSecretsKey() == null ? new byte[0]
                : Base64.getDecoder().decode(properties.getSecretsKey().strip());
        // A key of its own: a link token never reveals anything about the key that seals channel secrets.
        this.key = new SecretKeySpec(hmac(new SecretKeySpec(secret.length == 0 ? new byte[32] : secret, "HmacSHA256"),
                "inbox-gateway media links v1".getBytes(StandardCharsets.UTF_8)), "HmacSHA256");
    }

    public Link create(long tenantId, UUID mediaId, Duration ttl) {
        Instant expiresAt = clock.instant().plus(ttl).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String payload = tenantId + "." + mediaId + "." + expiresAt.getEpochSecond();
        String token = B64.encodeToString(payload.getBytes(StandardCharsets.US_ASCII)) + "."
                + B64.encodeToString(hmac(key, payload.getBytes(StandardCharsets.US_ASCII)));
        return new Link(baseUrl + token, expiresAt);
    }

    /** What a token names, if its signature holds and it has not expired. */
    public Optional<Target> verify(String token) {
        if (token == null || token.length() > 300) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot < 0) {
            return Optional.empty();
        }
        try {
            byte[] payload = Base64.getUrlDecoder().decode(token.substring(0, dot));
            byte[] mac = Base64.getUrlDecoder().decode(token.substring(dot + 1));
            if (!MessageDigest.isEqual(mac, hmac(key, payload)) // constant time
                    || !B64.encodeToString(mac).equals(token.substring(dot + 1))) { // one spelling per link
                return Optional.empty();
            }
            String[] parts = new String(payload, StandardCharsets.US_ASCII).split("\\.");
            Instant expiresAt = Instant.ofEpochSecond(Long.parseLong(parts[2]));
            if (!clock.instant().isBefore(expiresAt)) {
                return Optional.empty();
            }
            return Optional.of(new Target(Long.parseLong(parts[0]), UUID.fromString(parts[1]), expiresAt));
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    private static byte[] hmac(SecretKeySpec key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
