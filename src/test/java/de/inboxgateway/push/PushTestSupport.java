package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.test.context.TestPropertySource;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;
import de.inboxgateway.testing.WebhookReceiver;

/**
 * The push tests' gateway: loopback http receivers allowed (production refuses both), and the
 * job's timings small enough that retries take a fraction of a second; helpers of the push tests.
 * Each subclass names its database (see {@link PushFlows}).
 */
@TestPropertySource(properties = {
        "gateway.push.allow-http=true",
        "gateway.push.allow-private-targets=true",
        "gateway.push.poll-interval=200ms",
        "gateway.push.first-retry-delay=300ms",
        "gateway.push.max-retry-delay=1s",
        "gateway.push.timeout=1500ms",
        "gateway.push.lease=5s"
})
abstract class PushTestSupport extends GatewayTest {

    /** One receiver for the whole test JVM, like the provider fakes. */
    protected static final WebhookReceiver ERP = new WebhookReceiver();
    protected static final List<String> PUSH_SCOPES = List.of("webhooks:manage", "events:read", "messaging:read");

    protected TestTenant mueller;

    @BeforeEach
    void pushSetUp() {
        ERP.reset();
        mueller = fixtureTenant();
        mueller = new TestTenant("mueller", apiKey("mueller", PUSH_SCOPES));
    }

    protected String[] auth(TestTenant tenant) {
        return new String[] {"Authorization", tenant.bearer(), "Content-Type", "application/json"};
    }

    /** Creates a subscription; returns its answer (with the secret). */
    protected JsonNode subscribe(TestTenant tenant, String url, List<String> types) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("url", url);
        if (types != null) {
            body.put("types", types);
        }
        body.put("description", "ERP Anfragen");
        Http.Response r = http.post("/api/v1/webhook-subscriptions", json(body), auth(tenant));
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json();
    }

    /** An inbound WhatsApp text from {@code waId}: conversation.created (first time) and messaging.inbound. */
    protected void inbound(String waId, String wamid) {
        Http.Response r = postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, waId, wamid,
                clock.instant().getEpochSecond(), "Wasserschaden im Bad"), Fixtures.APP_SECRET);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    protected JsonNode deliveries(TestTenant tenant, String subscriptionId, String query) {
        Http.Response r = http.get("/api/v1/webhook-subscriptions/" + subscriptionId + "/deliveries" + query,
                "Authorization", tenant.bearer());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    protected JsonNode delivery(TestTenant tenant, String subscriptionId, long eventId) {
        for (JsonNode item : deliveries(tenant, subscriptionId, "?limit=200").path("items")) {
            if (item.path("eventId").asLong() == eventId) {
                return item;
            }
        }
        return null;
    }

    protected String deliveryStatus(TestTenant tenant, String subscriptionId, long eventId) {
        JsonNode d = delivery(tenant, subscriptionId, eventId);
        return d == null ? null : d.path("status").asText();
    }

    /** The tenant's event ids, in order, as the database holds them. */
    protected List<Long> eventIds(String slug) {
        return jdbc.queryForList("""
                select e.id from tenant_event e join tenant t on t.id = e.tenant_id where t.slug = ? order by e.id""",
                Long.class, slug);
    }

    protected List<Long> eventIds(String slug, String type) {
        return jdbc.queryForList("""
                select e.id from tenant_event e join tenant t on t.id = e.tenant_id where t.slug = ? and e.type = ?
                order by e.id""", Long.class, slug, type);
    }
}
