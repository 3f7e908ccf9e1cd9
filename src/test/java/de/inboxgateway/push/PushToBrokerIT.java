package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import de.inboxgateway.testing.TestDatabase;

/**
 * routes/README.md's recipe: the step post-to-receiver replaced by another producer (here a mock
 * standing for Kafka or AMQP) — the frame and the Standard Webhooks headers reach it, and a send
 * that returns counts as delivered. A gateway and a database of its own (its routes are changed).
 */
@DirtiesContext
class PushToBrokerIT extends PushTestSupport {

    @Override
    protected String databaseUrl() {
        return TestDatabase.url("push_broker");
    }

    @DynamicPropertySource
    static void ownDatabase(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> TestDatabase.url("push_broker"));
    }

    @Test
    void theEventsGoToAnotherEndpointWhenTheHttpStepIsReplaced() throws Exception {
        AdviceWith.adviceWith(camel, "erp-push-deliver",
                route -> route.weaveById("post-to-receiver").replace().to("mock:broker"));
        MockEndpoint broker = camel.getEndpoint("mock:broker", MockEndpoint.class);
        broker.expectedMessageCount(2);

        String id = subscribe(mueller, ERP.url("/unused"), null).path("id").asText();
        inbound("4917600000401", "wamid.broker-1");
        broker.assertIsSatisfied(10_000);

        List<Long> events = eventIds("mueller");
        for (int i = 0; i < 2; i++) {
            Exchange sent = broker.getReceivedExchanges().get(i);
            JsonNode frame = mapper.readTree(sent.getMessage().getBody(String.class));
            assertThat(frame.path("id").asLong()).isIn(events);
            assertThat(sent.getMessage().getHeader("webhook-id", String.class)).isEqualTo("evt_mueller_" + frame.path("id").asLong());
            assertThat(sent.getMessage().getHeader("webhook-signature", String.class)).startsWith("v1,");
        }
        await().atMost(Duration.ofSeconds(10)).until(() ->
                deliveries(mueller, id, "?status=delivered").path("items").size() == 2);
        assertThat(deliveries(mueller, id, "").path("items").get(0).path("lastStatusCode").isNull()).isTrue();
        assertThat(ERP.requests("/unused")).isEmpty();
    }
}
