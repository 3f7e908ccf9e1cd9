package de.inboxgateway.channel.whatsapp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.Fixtures;

class HubSignatureTest {

    @Test
    void metaVectorsIncludingTheEscapedUnicodePitfall() {
        for (JsonNode v : Fixtures.json("meta-signature-vectors.json").path("vectors")) {
            byte[] body = v.path("body_utf8").asText().getBytes(StandardCharsets.UTF_8);
            String expected = v.path("x_hub_signature_256").asText();
            assertThat(HubSignature.sign(v.path("app_secret").asText(), body)).as(v.path("name").asText()).isEqualTo(expected);
            assertThat(HubSignature.matches(v.path("app_secret").asText(), body, expected)).isTrue();
        }
    }

    @Test
    void everyWhatsappFixtureVerifiesOverItsExactBytes() {
        List<String> checked = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : iterable(Fixtures.index().path("files"))) {
            if (!e.getValue().has("x_hub_signature_256")) {
                continue;
            }
            byte[] body = Fixtures.bytes(e.getKey());
            assertThat(body).hasSize(e.getValue().path("bytes").asInt());
            assertThat(HubSignature.matches(Fixtures.APP_SECRET, body, e.getValue().path("x_hub_signature_256").asText()))
                    .as(e.getKey()).isTrue();
            assertThat(HubSignature.matches("another-secret", body, e.getValue().path("x_hub_signature_256").asText()))
                    .isFalse();
            checked.add(e.getKey());
        }
        assertThat(checked).hasSize(15);
    }

    @Test
    void malformedHeadersNeverMatch() {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        String good = HubSignature.sign("s", body);
        assertThat(HubSignature.matches("s", body, good.toUpperCase().replace("SHA256=", "sha256="))).isTrue();
        assertThat(HubSignature.matches("s", body, null)).isFalse();
        assertThat(HubSignature.matches("s", body, "")).isFalse();
        assertThat(HubSignature.matches("s", body, "sha256=")).isFalse();
        assertThat(HubSignature.matches("s", body, "sha256=xyz")).isFalse();
        assertThat(HubSignature.matches("s", body, good.substring(7))).isFalse();
        assertThat(HubSignature.matches("s", body, good + "00")).isFalse();
        assertThat(HubSignature.matches(null, body, good)).isFalse();
    }

    static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node) {
        return node::fields;
    }
}
