package de.inboxgateway.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import de.inboxgateway.config.GatewayProperties;

class SecretCipherTest {

    private static SecretCipher cipher(byte fill) {
        GatewayProperties p = new GatewayProperties();
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, fill);
        p.setSecretsKey(Base64.getEncoder().encodeToString(key));
        return new SecretCipher(p);
    }

    @Test
    void roundTripWithoutPlaintextInTheCiphertext() {
        SecretCipher c = cipher((byte) 1);
        byte[] sealed = c.encrypt("{\"authToken\":\"test-auth-token\"}", "tenant:1:sms");
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("test-auth-token");
        assertThat(c.decrypt(sealed, "tenant:1:sms")).isEqualTo("{\"authToken\":\"test-auth-token\"}");
        // A fresh nonce each time.
        assertThat(c.encrypt("x", "o")).isNotEqualTo(c.encrypt("x", "o"));
    }

    @Test
    void ciphertextIsBoundToItsOwnerAndKey() {
        byte[] sealed = cipher((byte) 1).encrypt("secret", "tenant:1:sms");
        assertThatThrownBy(() -> cipher((byte) 1).decrypt(sealed, "tenant:2:sms")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> cipher((byte) 2).decrypt(sealed, "tenant:1:sms")).isInstanceOf(IllegalStateException.class);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> cipher((byte) 1).decrypt(sealed, "tenant:1:sms")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void keyMustBe32BytesOfBase64() {
        GatewayProperties p = new GatewayProperties();
        assertThatThrownBy(() -> new SecretCipher(p)).hasMessageContaining("gateway.secrets-key is not set");
        p.setSecretsKey("not base64!");
        assertThatThrownBy(() -> new SecretCipher(p)).hasMessageContaining("not valid base64");
        p.setSecretsKey(Base64.getEncoder().encodeToString(new byte[16]));
        assertThatThrownBy(() -> new SecretCipher(p)).hasMessageContaining("32 bytes");
    }

    @Test
    void oldFormatOpensOnlyThroughTheUpgrade() {
        SecretCipher c = cipher((byte) 1);
        byte[] legacy = c.encryptLegacy("secret", "tenant:1:sms");
        assertThat(SecretCipher.isLegacy(legacy)).isTrue();
        assertThatThrownBy(() -> c.decrypt(legacy, "tenant:1:sms")).isInstanceOf(IllegalStateException.class);
        assertThat(c.decryptLegacy(legacy, "tenant:1:sms")).isEqualTo("secret");
        assertThat(SecretCipher.isLegacy(c.encrypt("secret", "channel:7:tenant:1:sms"))).isFalse();
    }
}
