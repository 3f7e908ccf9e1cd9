package de.inboxgateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.builder.AdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;

/**
 * A screen's starting point is taken at the handshake, before the upgrade completes. The test
 * commits a webhook exactly in the gap, after the client already sees the socket open and before
 * the OPEN event is handled (woven in before step {@code screen-opened}): the new screen still gets
 * that event. Before the fix it started at the newest id read when OPEN was handled, and missed it.
 */
class FeedHandshakeGapIT extends GatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final AtomicReference<java.util.function.Consumer<org.apache.camel.Exchange>> IN_THE_GAP =
            new AtomicReference<>();
    private static volatile org.apache.camel.CamelContext advised;

    /** Woven into the running route (it restarts); a no-op unless a test arms it, so other tests never notice. */
    @BeforeEach
    void adviseOnce() throws Exception {
        if (advised != camel) {
            AdviceWith.adviceWith(camel, "events-feed", route -> route.weaveById("screen-opened").before().process(e -> {
                java.util.function.Consumer<org.apache.camel.Exchange> work = IN_THE_GAP.getAndSet(null);
                if (work != null) {
                    work.accept(e);
                }
            }));
            advised = camel;
        }
    }

    @Test
    void anEventCommittedBetweenTheHandshakeAndTheOpenReachesTheNewScreen() {
        TestTenant mueller = fixtureTenant();
        int[] status = new int[1];
        IN_THE_GAP.set(exchange -> status[0] = postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678",
                "wamid.in-the-gap", Instant.now().getEpochSecond(), "Genau dazwischen"), Fixtures.APP_SECRET).status());

        try (FeedClient screen = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey())) {
            List<JsonNode> events = screen.until(
                    e -> "wamid.in-the-gap".equals(e.path("message").path("providerMessageId").asText()), WAIT);
            assertThat(status[0]).isEqualTo(200); // the webhook did commit in the gap
            assertThat(IN_THE_GAP.get()).isNull();
            assertThat(events).extracting(e -> e.path("type").asText()).contains("conversation.created", "messaging.inbound");
        }
    }

    @Test
    void theKeyNeverTravelsInTheFeedExchangesHeaders() throws Exception {
        TestTenant mueller = fixtureTenant();
        java.util.concurrent.CompletableFuture<java.util.Map<String, Object>> headers = new java.util.concurrent.CompletableFuture<>();
        IN_THE_GAP.set(exchange -> headers.complete(new java.util.HashMap<>(exchange.getMessage().getHeaders())));
        try (FeedClient screen = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey() + "&since=0")) {
            java.util.Map<String, Object> seen = headers.get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(seen).containsKey("since"); // query parameters do arrive as headers…
            assertThat(seen).doesNotContainKey("token"); // …but not the key: no error path can log it
            assertThat(seen.values().toString()).doesNotContain(mueller.apiKey());
        }
    }
}
