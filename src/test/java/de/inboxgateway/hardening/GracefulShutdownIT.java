package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import de.inboxgateway.InboxGatewayApplication;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;
import de.inboxgateway.testing.TestDatabase;
import de.inboxgateway.webhook.HubSignature;

/** Stopping a gateway lets the webhooks in flight finish: answered and stored, nothing half-written. */
class GracefulShutdownIT extends GatewayTest {

    @Test
    void inFlightWebhooksFinishWhenTheGatewayStops() throws Exception {
        fixtureTenant();
        ConfigurableApplicationContext gateway = new SpringApplicationBuilder(InboxGatewayApplication.class).run(
                "--server.port=0", "--gateway.events.port=0", "--spring.datasource.url=" + TestDatabase.url(),
                "--spring.flyway.user=" + TestDatabase.USER, "--spring.flyway.password=" + TestDatabase.PASSWORD,
                "--gateway.secrets-key=" + SECRETS_KEY, "--gateway.admin-token=" + ADMIN_TOKEN,
                "--gateway.public-base-url=" + Fixtures.PUBLIC_BASE_URL, "--spring.main.banner-mode=off");
        Http second = new Http(Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port")));
        // A slow database makes the webhook still be in flight when the stop begins.
        jdbc.execute("""
                create function slow_insert() returns trigger language plpgsql as $$
                begin perform pg_sleep(1.5); return new; end $$""");
        jdbc.execute("create trigger slow_insert before insert on message for each row execute function slow_insert()");
        try {
            byte[] body = whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.shutdown-1",
                    Instant.now().getEpochSecond(), "Kurz vor dem Neustart").getBytes(StandardCharsets.UTF_8);
            CompletableFuture<Http.Response> inFlight = CompletableFuture.supplyAsync(() -> second.post("/webhooks/whatsapp",
                    body, "Content-Type", "application/json", "X-Hub-Signature-256", HubSignature.sign(Fixtures.APP_SECRET, body)));
            Thread.sleep(500);
            long stopStarted = System.nanoTime();
            gateway.close(); // graceful: waits for the request in flight
            Http.Response answer = inFlight.get(20, TimeUnit.SECONDS);

            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
            assertThat(System.nanoTime() - stopStarted).isGreaterThan(TimeUnit.MILLISECONDS.toNanos(500));
            assertThat(count("select count(*) from message where provider_message_id = 'wamid.shutdown-1'")).isEqualTo(1);
            assertThat(count("select count(*) from conversation")).isEqualTo(1);
        } finally {
            jdbc.execute("drop trigger if exists slow_insert on message");
            jdbc.execute("drop function if exists slow_insert()");
            if (gateway.isActive()) {
                gateway.close();
            }
        }
    }
}
