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
import de.inboxgateway.channel.whatsapp.HubSignature;

/** Stopping a gateway lets the webhooks in flight finish: answered and stored, nothing half-written. */
class GracefulShutdownIT extends GatewayTest {

    @Test
    void inFlightWebhooksFinishWhenTheGatewayStops() throws Exception {
        fixtureTenant();
        ConfigurableApplicationContext gateway = new SpringApplicationBuilder(InboxGatewayApplication.class)
                .run(anotherGateway());
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
            // In flight: its insert is inside the slow trigger right now.
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> count("""
                    select count(*) from pg_stat_activity
                    where state = 'active' and query like '%insert into message%'""") == 1);
            long stopStarted = System.nanoTime();
            gateway.close(); // graceful: waits for the request in flight
            Http.Response answer = inFlight.get(20, TimeUnit.SECONDS);

            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
            assertThat(System.nanoTime() - stopStarted).as("the stop waited for the webhook")
                    .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(300));
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
