package de.inboxgateway.channel.sms;

import de.inboxgateway.webhook.FormBody;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.Fixtures;

class TwilioSignatureTest {

    private static Map<String, List<String>> params(JsonNode node) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        node.fields().forEachRemaining(e -> {
            List<String> values = new ArrayList<>();
            if (e.getValue().isArray()) {
                e.getValue().forEach(v -> values.add(v.asText()));
            } else {
                values.add(e.getValue().asText());
            }
            params.put(e.getKey(), values);
        });
        return params;
    }

    @Test
    void everyVectorOfTwilioAndTheProject() {
        int n = 0;
        for (JsonNode v : Fixtures.json("twilio-signature-vectors.json").path("vectors")) {
            String url = v.has("validate_url") ? v.path("validate_url").asText() : v.path("signed_url").asText();
            Map<String, List<String>> params = params(v.path("params"));
            String expected = v.path("expected_signature").asText();
            assertThat(TwilioSignature.matches(v.path("auth_token").asText(), url, params, expected))
                    .as(v.path("name").asText()).isTrue();
            assertThat(TwilioSignature.matches("wrong-token", url, params, expected)).isFalse();
            n++;
        }
        assertThat(n).isEqualTo(11);
    }

    @Test
    void stringToSignFollowsTheVector() {
        JsonNode base = Fixtures.json("twilio-signature-vectors.json").path("vectors").get(0);
        assertThat(TwilioSignature.sign("12345", base.path("signed_url").asText(), params(base.path("params"))))
                .isEqualTo("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    }

    @Test
    void everySmsFixtureWithAndWithoutThePort() {
        int n = 0;
        for (var it = Fixtures.index().path("files").fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().has("x_twilio_signature")) {
                continue;
            }
            FormBody form = FormBody.parse(Fixtures.text(e.getKey()));
            String url = e.getValue().path("url").asText();
            assertThat(TwilioSignature.matches(Fixtures.AUTH_TOKEN, url, form.params(),
                    e.getValue().path("x_twilio_signature").asText())).as(e.getKey()).isTrue();
            assertThat(TwilioSignature.matches(Fixtures.AUTH_TOKEN, url, form.params(),
                    e.getValue().path("x_twilio_signature_if_signed_with_port_443").asText())).as(e.getKey()).isTrue();
            n++;
        }
        assertThat(n).isEqualTo(6);
    }

    @Test
    void portVariants() {
        assertThat(TwilioSignature.withoutPort("https://h.example:8443/p?q=1")).isEqualTo("https://h.example/p?q=1");
        assertThat(TwilioSignature.withDefaultPort("https://h.example/p?q=1")).isEqualTo("https://h.example:443/p?q=1");
        assertThat(TwilioSignature.withDefaultPort("http://h.example/p")).isEqualTo("http://h.example:80/p");
        assertThat(TwilioSignature.withDefaultPort("http://h.example:8080/p")).isEqualTo("http://h.example:8080/p");
        // The raw query keeps its exact bytes.
        assertThat(TwilioSignature.withoutPort("https://h.example:1/p?a=%2B1&b=x+y")).isEqualTo("https://h.example/p?a=%2B1&b=x+y");
    }

    @Test
    void missingSignatureOrTokenNeverMatches() {
        Map<String, List<String>> p = Map.of("A", List.of("1"));
        String sig = TwilioSignature.sign("t", "https://x/y", p);
        assertThat(TwilioSignature.matches("t", "https://x/y", p, sig)).isTrue();
        assertThat(TwilioSignature.matches("t", "https://x/y", p, null)).isFalse();
        assertThat(TwilioSignature.matches("t", "https://x/y", p, "")).isFalse();
        assertThat(TwilioSignature.matches(null, "https://x/y", p, sig)).isFalse();
        assertThat(TwilioSignature.matches("t", "https://x/y", Map.of("A", List.of("2")), sig)).isFalse();
    }
}
