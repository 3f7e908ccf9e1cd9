package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import de.inboxgateway.InboxGatewayApplication;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;
import de.inboxgateway.testing.TcpProxy;
import de.inboxgateway.testing.TestDatabase;
import de.inboxgateway.channel.whatsapp.HubSignature;

/**
 * A gateway whose PostgreSQL sits behind a TCP proxy that the test cuts: webhooks answer 503 while
 * storage is down, nothing is acknowledged without being stored, health says so, and after the
 * database is back the gateway recovers by itself and the providers' retries store every message
 * exactly once.
 */
class DatabaseOutageIT extends GatewayTest {

    @Test
    void webhooksAnswer503DuringTheOutageAndEveryRetryIsStoredOnceAfterwards() throws Exception {
        fixtureTenant(); // provisioned through the main gateway, on the same database
        String[] host = TestDatabase.HOST.split(":");
        try (TcpProxy proxy = new TcpProxy(host[0], Integer.parseInt(host[1]))) {
            ConfigurableApplicationContext gateway = new SpringApplicationBuilder(InboxGatewayApplication.class).run(
                    anotherGateway("--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + TestDatabase.NAME,
                            "--spring.datasource.hikari.connection-timeout=1500",
                            "--spring.datasource.hikari.validation-timeout=1000",
                            "--management.endpoint.health.show-details=always"));
            try {
                Http outside = new Http(Integer.parseInt(gateway.getEnvironment().getProperty("local.server.port")));
                List<byte[]> bodies = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    bodies.add(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.outage-" + i,
                            Instant.now().getEpochSecond(), "Nachricht " + i).getBytes(StandardCharsets.UTF_8));
                }
                assertThat(post(outside, bodies.get(0)).status()).isEqualTo(200);

                proxy.cut();
                List<Integer> during = new ArrayList<>();
                for (int i = 1; i < 6; i++) {
                    Http.Response r = post(outside, bodies.get(i));
                    during.add(r.status());
                    if (r.status() == 503) {
                        assertThat(r.code()).isEqualTo("STORAGE_UNAVAILABLE");
                        assertThat(r.headers().firstValue("Retry-After")).isPresent();
                    }
                }
                assertThat(during).containsOnly(503);
                Http.Response health = outside.get("/actuator/health");
                assertThat(health.status()).isEqualTo(503);
                assertThat(health.body()).contains("DOWN");
                assertThat(count("select count(*) from message")).isEqualTo(1); // nothing acknowledged, nothing stored

                proxy.restore();
                await().atMost(Duration.ofSeconds(20)).until(() -> outside.get("/actuator/health").status() == 200);
                // The provider retries everything it did not get a 200 for, some of it twice.
                for (int round = 0; round < 2; round++) {
                    for (byte[] body : bodies) {
                        assertThat(post(outside, body).status()).isEqualTo(200);
                    }
                }
                assertThat(count("select count(*) from message")).isEqualTo(6);
                assertThat(count("select count(distinct provider_message_id) from message")).isEqualTo(6);
                assertThat(count("select count(*) from conversation")).isEqualTo(1);
            } finally {
                gateway.close();
            }
        }
    }

    private static Http.Response post(Http http, byte[] body) {
        return http.post("/webhooks/whatsapp", body, "Content-Type", "application/json",
                "X-Hub-Signature-256", HubSignature.sign(Fixtures.APP_SECRET, body));
    }
}
