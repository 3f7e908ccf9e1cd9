package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/** Every endpoint, the feed and the webhooks, probed with another tenant's ids, keys and secrets: zero leaks. */
class TenantProbeIT extends GatewayTest {

    @Test
    void anotherTenantsKeyFindsNothingAndChangesNothing() {
        TestTenant mueller = fixtureTenant();
        TestTenant schmidt = otherTenant();
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.probe-1",
                Instant.now().getEpochSecond(), "Geheim bei Müller"), Fixtures.APP_SECRET);
        http.put("/api/v1/contacts/R-1", "{\"name\":\"Anna\",\"phones\":[\"+4917612345678\"]}", "Authorization",
                mueller.bearer(), "Content-Type", "application/json");
        Http.Response sent = http.post("/api/v1/messages", json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text",
                "Nur für Müller")), "Authorization", mueller.bearer(), "Content-Type", "application/json");
        long message = sent.json().path("id").asLong();
        long conversation = sent.json().path("conversationId").asLong();
        postTwilioSigned("/webhooks/sms", Map.of("MessageSid", "SMprobe0000000000000000000000000001", "From", Fixtures.JONAS,
                "To", Fixtures.TWILIO_NUMBER, "Body", "STOP", "AccountSid", Fixtures.ACCOUNT_SID), Fixtures.AUTH_TOKEN);
        String[] b = {"Authorization", schmidt.bearer(), "Content-Type", "application/json"};

        assertThat(http.get("/api/v1/conversations/" + conversation, b).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/conversations/" + conversation + "/messages", b).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/messages/" + message, b).status()).isEqualTo(404);
        assertThat(http.post("/api/v1/messages/" + message + "/resend", "", b).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/contacts/R-1", b).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/conversations?phone=%2B4917612345678", b).json().path("items")).isEmpty();
        assertThat(http.get("/api/v1/optouts?phone=%2B4915209876543", b).json().path("items")).isEmpty();
        assertThat(http.post("/api/v1/optouts/sms/%2B4915209876543/consent",
                "{\"source\":\"x\",\"consentedAt\":\"2026-03-02T10:00:00Z\"}", b).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/audit", b).body()).doesNotContain("optout.created", "4915209876543", "Geheim");
        assertThat(http.delete("/api/v1/contacts/by-phone/%2B4917612345678/messaging-data", b).status()).isEqualTo(200);
        assertThat(http.get("/api/v1/conversations/" + conversation + "/messages", "Authorization", mueller.bearer()).body())
                .contains("Nur für Müller");
        assertThat(jdbc.queryForObject("select count(*) from message where text = 'Geheim bei Müller'", Long.class)).isEqualTo(1);
        // An API key is no admin token.
        assertThat(http.get("/admin/v1/tenants", "Authorization", mueller.bearer()).status()).isEqualTo(401);
        // The feed of another tenant refuses the key before the upgrade.
        assertThat(FeedClient.handshakeStatus(eventsPort, "mueller", "token=" + schmidt.apiKey())).isEqualTo(401);
        // Another tenant's secrets never sign for this tenant's numbers.
        assertThat(postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.probe-2",
                Instant.now().getEpochSecond(), "untergeschoben"), OTHER_APP_SECRET).status()).isEqualTo(401);
        assertThat(postTwilioSigned("/webhooks/sms/status", Map.of("MessageSid", sent.json().path("providerMessageId").asText(),
                "MessageStatus", "read", "From", Fixtures.TWILIO_NUMBER, "To", Fixtures.ANNA,
                "AccountSid", Fixtures.ACCOUNT_SID), OTHER_AUTH_TOKEN).status()).isEqualTo(401);
        assertThat(http.get("/api/v1/messages/" + message, "Authorization", mueller.bearer()).json().path("status").asText())
                .isEqualTo("sent");
    }
}
