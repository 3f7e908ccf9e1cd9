package de.inboxgateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/** The in-process sandbox provider: the whole loop with no Twilio or Meta account. */
@TestPropertySource(properties = {"gateway.sandbox.enabled=true", "gateway.sandbox.status-delay=100ms"})
class SandboxIT extends GatewayTest {

    @Autowired
    CamelContext camel;
    private TestTenant demo;

    @BeforeEach
    void provision() {
        demo = tenant("demo");
        assertThat(http.post("/admin/v1/tenants/demo/channels",
                "{\"channel\":\"sms\",\"phoneNumber\":\"+4915735980123\",\"sandbox\":true}", admin()).status()).isEqualTo(201);
        assertThat(http.post("/admin/v1/tenants/demo/channels", "{\"channel\":\"whatsapp\",\"phoneNumberId\":\"398765432109876\","
                + "\"displayPhoneNumber\":\"+4930609876543\",\"sandbox\":true}", admin()).status()).isEqualTo(201);
    }

    private Http.Response send(String channel, String to, String text) {
        return http.post("/api/v1/messages", json(Map.of("channel", channel, "to", to, "text", text)),
                "Authorization", demo.bearer(), "Content-Type", "application/json");
    }

    private String status(long id) {
        return api(demo, "/api/v1/messages/" + id).json().path("status").asText();
    }

    @Test
    void smsLoopReachesDeliveredThroughSignedStatusWebhooks() {
        assertThat(camel.getRouteController().getRouteStatus("sandbox-twilio")).isEqualTo(ServiceStatus.Started);
        Http.Response r = send("sms", "+4917612345678", "Der Monteur kommt morgen.");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().path("status").asText()).isEqualTo("sent");

        long id = r.json().path("id").asLong();
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(status(id)));
        assertThat(TWILIO.requests()).isEmpty(); // never the configured provider
        assertThat(count("select count(*) from message_status_event")).isEqualTo(2);
    }

    @Test
    void whatsappLoopFromASimulatedResidentToRead() {
        Http.Response in = http.post("/sandbox/inbound", "{\"tenant\":\"demo\",\"channel\":\"whatsapp\","
                + "\"from\":\"+4917612345678\",\"text\":\"Die Heizung ist kalt.\"}", admin());
        assertThat(in.status()).as(in.toString()).isEqualTo(200);
        assertThat(api(demo, "/api/v1/conversations?channel=whatsapp").json().path("items").get(0).path("windowOpen")
                .asBoolean()).isTrue();

        Http.Response r = send("whatsapp", "+4917612345678", "Wir schicken jemanden.");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        long id = r.json().path("id").asLong();
        await().atMost(Duration.ofSeconds(10)).until(() -> "read".equals(status(id)));
        assertThat(GRAPH.requests()).isEmpty();
    }

    @Test
    void sandboxServesTwoTemplatesAndTakesATemplateSendOutsideTheWindow() {
        Http.Response sync = http.post("/api/v1/templates/sync", "", "Authorization", demo.bearer());
        assertThat(sync.status()).as(sync.toString()).isEqualTo(200);
        assertThat(sync.json().path("items").findValuesAsText("name")).containsExactly("wartung_ankuendigung", "wasser_abstellung");
        assertThat(sync.json().path("items").findValuesAsText("wabaId")).containsOnly("398765432109876");

        Http.Response r = http.post("/api/v1/messages", """
                {"channel":"whatsapp","to":"+4915209876543","template":{"name":"wasser_abstellung","language":"de",
                 "parameters":{"body":["14.04.2026","08:00","12:00","Lindenstraße 12"]}}}""",
                "Authorization", demo.bearer(), "Content-Type", "application/json");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().path("status").asText()).isEqualTo("sent");
        long id = r.json().path("id").asLong();
        await().atMost(Duration.ofSeconds(10)).until(() -> "read".equals(status(id)));
        assertThat(GRAPH.requests()).isEmpty();
    }

    @Test
    void sandboxAnswersLikeTheProviderIncludingRefusals() {
        Http.Response unsubscribed = send("sms", "+4915200021610", "x");
        assertThat(unsubscribed.code()).as(unsubscribed.toString()).isEqualTo("OPTOUT_ACTIVE");
        assertThat(http.post("/sandbox/inbound", "{\"tenant\":\"demo\",\"channel\":\"sms\",\"from\":\"+4917612345678\","
                + "\"text\":\"STOP\"}", admin()).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> count(
                "select count(*) from message where kind = 'optout-confirmation' and status = 'delivered'") == 1);
        assertThat(http.post("/sandbox/inbound", "{\"tenant\":\"demo\",\"channel\":\"sms\",\"from\":\"x\",\"text\":\"y\"}",
                admin()).status()).isEqualTo(400);
        assertThat(http.post("/sandbox/inbound", "{}", "Content-Type", "application/json").status()).isEqualTo(401);
    }
}
