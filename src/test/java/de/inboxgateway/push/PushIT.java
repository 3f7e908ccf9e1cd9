package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.standardwebhooks.Webhook;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Http;
import de.inboxgateway.testing.WebhookReceiver;

/** Signed event push to the ERP, end to end: subscription API, delivery, signatures, the delivery log. */
class PushIT extends PushFlows {

    @Test
    void eachEventArrivesSignedAsItsFeedFrame() throws Exception {
        inbound("4917600000001", "wamid.before"); // before the subscription: not its events
        long before = eventIds("mueller").get(eventIds("mueller").size() - 1);
        JsonNode sub = subscribe(mueller, ERP.url("/erp"), null);
        assertThat(sub.path("status").asText()).isEqualTo("active");
        assertThat(sub.path("types").isNull()).isTrue();
        String secret = sub.path("secret").asText();
        assertThat(secret).startsWith("whsec_");

        inbound("4917600000002", "wamid.after");
        List<Long> ids = eventIds("mueller").stream().filter(id -> id > before).toList();
        assertThat(ids).hasSize(2); // conversation.created, messaging.inbound
        await().atMost(Duration.ofSeconds(10)).until(() -> ERP.requests("/erp").size() == 2);

        List<WebhookReceiver.Request> got = ERP.requests("/erp");
        assertThat(got).extracting(WebhookReceiver.Request::eventId).containsExactlyElementsOf(ids);
        try (FeedClient feed = FeedClient.connect(eventsPort, "mueller", "since=" + before, "Authorization",
                "Bearer " + apiKey("mueller", List.of("events:read")))) {
            for (WebhookReceiver.Request r : got) {
                // an independent implementation of the spec verifies each delivery
                new Webhook(secret).verify(r.body(), Map.of("webhook-id", List.of(r.webhookId()),
                        "webhook-timestamp", List.of(r.header("webhook-timestamp")),
                        "webhook-signature", List.of(r.header("webhook-signature"))));
                assertThat(r.header("content-type")).startsWith("application/json");
                assertThat(r.webhookId()).isEqualTo("evt_mueller_" + r.eventId());
                ObjectNode frame = (ObjectNode) feed.next(Duration.ofSeconds(5));
                frame.remove(FeedClient.RECEIVED_NANOS);
                assertThat(r.json()).as("the body is the feed frame").isEqualTo(frame);
            }
        }
        assertThat(got.get(1).json().path("type").asText()).isEqualTo("messaging.inbound");
        assertThat(got.get(1).json().path("tenant").asText()).isEqualTo("mueller");

        String id = sub.path("id").asText();
        await().atMost(Duration.ofSeconds(5)).until(() -> "delivered".equals(deliveryStatus(mueller, id, ids.get(1))));
        JsonNode log = deliveries(mueller, id, "?status=delivered");
        assertThat(log.path("items")).hasSize(2);
        JsonNode newest = log.path("items").get(0);
        assertThat(newest.path("eventId").asLong()).as("newest first").isEqualTo(ids.get(1));
        assertThat(newest.path("type").asText()).isEqualTo("messaging.inbound");
        assertThat(newest.path("attempts").asInt()).isEqualTo(1);
        assertThat(newest.path("lastStatusCode").asInt()).isEqualTo(200);
        assertThat(newest.path("lastError").isNull()).isTrue();
        assertThat(newest.path("nextAttemptAt").isNull()).isTrue();
        assertThat(newest.path("lastAttemptAt").asText()).isNotEmpty();
        assertThat(deliveries(mueller, id, "?status=failed").path("items")).isEmpty();
    }
}
