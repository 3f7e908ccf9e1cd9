package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;

/** After a run through every flow, neither the database nor the logs hold a secret in clear. */
@ExtendWith(OutputCaptureExtension.class)
class SecretsAtRestIT extends GatewayTest {

    @Test
    void noSecretInTheDatabaseOrTheLogs(CapturedOutput output) throws Exception {
        TestTenant mueller = fixtureTenant();
        String feedKey = mueller.apiKey();
        postWhatsappFixture("whatsapp/text-message.json");
        postTwilioFixture("/webhooks/sms", "sms/inbound-sms.form.txt");
        http.get("/webhooks/whatsapp?" + Fixtures.text("whatsapp/verify-get.query.txt"));
        postWhatsapp(Fixtures.bytes("whatsapp/text-message.json"), "sha256=00"); // a rejected one, logged and audited
        http.post("/api/v1/messages", json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text", "Hallo")),
                "Authorization", mueller.bearer(), "Content-Type", "application/json");
        http.get("/api/v1/conversations", "Authorization", "Bearer igw_wrong-key-that-must-not-be-logged");
        try (FeedClient screen = FeedClient.connect(eventsPort, "mueller", "token=" + feedKey)) {
            postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.secret-1",
                    Instant.now().getEpochSecond(), "Hallo"), Fixtures.APP_SECRET);
            screen.until(e -> "messaging.inbound".equals(e.path("type").asText()), java.time.Duration.ofSeconds(10));
        }
        FeedClient.handshakeStatus(eventsPort, "mueller", "token=igw_another-wrong-key");

        List<String> secrets = List.of(Fixtures.APP_SECRET, Fixtures.AUTH_TOKEN, Fixtures.VERIFY_TOKEN, "access-mueller",
                feedKey, ADMIN_TOKEN, "igw_wrong-key-that-must-not-be-logged", "igw_another-wrong-key", SECRETS_KEY);

        StringBuilder dump = new StringBuilder();
        for (String table : jdbc.queryForList("select tablename from pg_tables where schemaname = 'public'", String.class)) {
            for (String row : jdbc.queryForList("select row_to_json(t)::text from " + table + " t", String.class)) {
                dump.append(row).append('\n');
            }
        }
        String database = dump.toString();
        assertThat(database).contains("398765432109876"); // the dump is real: it holds the routing data
        for (String secret : secrets) {
            assertThat(database).as("database").doesNotContain(secret)
                    .doesNotContain(HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8)));
            assertThat(output.getAll()).as("logs").doesNotContain(secret);
        }
    }
}
