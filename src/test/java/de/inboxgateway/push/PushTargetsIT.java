package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;
import de.inboxgateway.testing.TestDatabase;
import de.inboxgateway.testing.WebhookReceiver;

/**
 * SSRF: with the production setting (no private targets) a push never reaches inside, neither by a
 * URL given at creation nor by a name that resolves inside later (checked again at every connect).
 * http is allowed here only so that a loopback receiver can show that nothing arrived.
 */
@TestPropertySource(properties = {
        "gateway.push.allow-http=true",
        "gateway.push.allow-private-targets=false",
        "gateway.push.poll-interval=200ms",
        "gateway.push.first-retry-delay=300ms",
        "gateway.push.max-retry-delay=1s"
})
@org.springframework.test.annotation.DirtiesContext
class PushTargetsIT extends GatewayTest {

    /** A database and a gateway of its own: its strict push must not take other tests' deliveries. */
    @Override
    protected String databaseUrl() {
        return TestDatabase.url("push_ssrf");
    }

    @org.springframework.test.context.DynamicPropertySource
    static void ownDatabase(org.springframework.test.context.DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> TestDatabase.url("push_ssrf"));
    }

    private static final WebhookReceiver INSIDE = new WebhookReceiver();

    @Test
    void internalTargetsAreRefusedAtCreationAndAfterResolutionAtEveryConnect() {
        fixtureTenant();
        TestTenant mueller = new TestTenant("mueller", apiKey("mueller", List.of("webhooks:manage")));
        String[] auth = {"Authorization", mueller.bearer(), "Content-Type", "application/json"};
        for (String url : List.of(INSIDE.url("/hook"), "http://localhost:" + INSIDE.port() + "/hook",
                "https://localhost/hook", "http://[::1]/hook", "http://169.254.169.254/latest/meta-data/",
                "http://10.0.0.7/hook", "http://192.168.1.20/hook", "http://0.0.0.0/hook", "http://[::ffff:127.0.0.1]/hook")) {
            Http.Response r = http.post("/api/v1/webhook-subscriptions", json(java.util.Map.of("url", url)), auth);
            assertThat(r.status()).as(url).isEqualTo(400);
            assertThat(r.code()).as(url).isEqualTo("INVALID_REQUEST");
        }
        assertThat(count("select count(*) from webhook_subscription")).isZero();

        // A name that resolved outside when it was given and resolves to 127.0.0.1 now (DNS rebinding):
        // the stored URL is changed behind the API's back to a name that does, as a rebinding would.
        Http.Response created = http.post("/api/v1/webhook-subscriptions", json(java.util.Map.of("url",
                "http://8.8.8.8:9/hook")), auth);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        String id = created.json().path("id").asText();
        assertThat(http.patch("/api/v1/webhook-subscriptions/" + id, json(java.util.Map.of("url",
                "http://localhost:" + INSIDE.port() + "/hook")), auth).code()).isEqualTo("INVALID_REQUEST");
        jdbc.update("update webhook_subscription set url = ?", "http://localhost:" + INSIDE.port() + "/hook");

        postWhatsappSigned(whatsappText(de.inboxgateway.testing.Fixtures.PHONE_NUMBER_ID, "4917600000901",
                "wamid.ssrf-1", clock.instant().getEpochSecond(), "hallo"), de.inboxgateway.testing.Fixtures.APP_SECRET);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(
                "select count(*) from webhook_delivery where last_error like '%resolves to 127.0.0.1%refused%'") >= 1);
        assertThat(INSIDE.requests()).as("nothing reached the loopback receiver").isEmpty();
        assertThat(jdbc.queryForObject("select status from webhook_delivery order by event_id limit 1", String.class))
                .isEqualTo("pending");
    }
}
