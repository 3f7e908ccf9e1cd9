package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookVerificationException;
import org.junit.jupiter.api.Test;

/** The signer against the spec's test vector (protocols-addendum §8.3) and the reference Java library. */
class WebhookSignerTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long TIMESTAMP = 1614265330L;
    private static final String BODY = "{\"test\": 2432232314}";

    @Test
    void signsTheSpecTestVector() {
        assertThat(WebhookSigner.sign(SECRET, ID, TIMESTAMP, BODY))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
                .isNotEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=");
    }

    @Test
    void theReferenceLibraryVerifiesWhatItSigns() throws Exception {
        String secret = WebhookSigner.newSecret();
        long now = System.currentTimeMillis() / 1000;
        String body = "{\"id\":7,\"type\":\"messaging.inbound\",\"text\":\"Grüße\"}";
        String signature = WebhookSigner.sign(secret, "evt_mueller_7", now, body);
        Map<String, List<String>> headers = Map.of("webhook-id", List.of("evt_mueller_7"),
                "webhook-timestamp", List.of(Long.toString(now)), "webhook-signature", List.of(signature));
        new Webhook(secret).verify(body, headers); // throws if it does not match

        assertThatThrownBy(() -> new Webhook(secret).verify(body + " ", headers))
                .isInstanceOf(WebhookVerificationException.class);
        assertThatThrownBy(() -> new Webhook(WebhookSigner.newSecret()).verify(body, headers))
                .isInstanceOf(WebhookVerificationException.class);
    }

    @Test
    void aNewSecretIsWhsecAndAtLeast24RandomBytes() {
        String a = WebhookSigner.newSecret();
        assertThat(a).startsWith("whsec_");
        assertThat(Base64.getDecoder().decode(a.substring(6))).hasSizeGreaterThanOrEqualTo(24).hasSizeLessThanOrEqualTo(64);
        assertThat(WebhookSigner.newSecret()).isNotEqualTo(a);
    }

    @Test
    void theWebhookIdIsStablePerEventAndHasNoDot() {
        assertThat(WebhookSigner.webhookId("mueller", 42)).isEqualTo(WebhookSigner.webhookId("mueller", 42))
                .isNotEqualTo(WebhookSigner.webhookId("mueller", 43)).doesNotContain(".");
    }
}
