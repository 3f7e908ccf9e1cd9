package de.inboxgateway.tenant;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import de.inboxgateway.config.GatewayProperties;
import org.springframework.stereotype.Component;

/**
 * AES-256-GCM for channel secrets at rest. The row's owner (the channel row itself: its id, tenant
 * and kind) is bound in as associated data, so a ciphertext copied into another row, even another
 * channel of the same tenant, does not decrypt.
 * Layout: version byte, 12-byte nonce, ciphertext with 16-byte tag. Version 2 binds the channel row;
 * version 1 (tenant and kind only) is read only by {@link #decryptLegacy}, to upgrade old rows.
 */
@Component
public class SecretCipher {

    private static final byte VERSION = 2;
    private static final byte LEGACY = 1;
    private static final int NONCE_BYTES = 12;
    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public SecretCipher(GatewayProperties properties) {
        this.key = new SecretKeySpec(decodeKey(properties.getSecretsKey()), "AES");
    }

    static byte[] decodeKey(String base64) {
        if (base64 == null || base64.isBlank()) {
            throw new IllegalStateException("gateway.secrets-key is not set: give it base64 of 32 random bytes "
                    + "(for example: openssl rand -base64 32)");
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("gateway.secrets-key is not valid base64");
        }
        if (raw.length != 32) {
            throw new IllegalStateException("gateway.secrets-key must decode to 32 bytes, not " + raw.length);
        }
        return raw;
    }

    public byte[] encrypt(String plaintext, String owner) {
        return seal(plaintext, owner, VERSION);
    }

    /** How rows were sealed before version 2; kept for the upgrade's tests. */
    byte[] encryptLegacy(String plaintext, String legacyOwner) {
        return seal(plaintext, legacyOwner, LEGACY);
    }

    private byte[] seal(String plaintext, String owner, byte version) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            byte[] ct = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + NONCE_BYTES + ct.length).put(version).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }

    public String decrypt(byte[] sealed, String owner) {
        return open(sealed, owner, VERSION);
    }

    /** Only for the one-time upgrade of rows written before secrets were bound to their row. */
    public String decryptLegacy(byte[] sealed, String legacyOwner) {
        return open(sealed, legacyOwner, LEGACY);
    }

    public static boolean isLegacy(byte[] sealed) {
        return sealed != null && sealed.length > 0 && sealed[0] == LEGACY;
    }

    private String open(byte[] sealed, String owner, byte version) {
        if (sealed == null || sealed.length < 1 + NONCE_BYTES + 16 || sealed[0] != version) {
            throw new IllegalStateException("unknown secret format");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(owner.getBytes(StandardCharsets.UTF_8));
            byte[] pt = cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
            return new String(pt, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot decrypt a channel secret: wrong gateway.secrets-key?", e);
        }
    }
}
