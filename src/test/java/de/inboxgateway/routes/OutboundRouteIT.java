package de.inboxgateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Map;

import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.test.spring.junit5.CamelSpringBootTest;
import org.apache.camel.test.spring.junit5.UseAdviceWith;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/**
 * The real outbound routes from routes/, with the Graph API call (step {@code call-graph-api})
 * woven out for a mock endpoint, so that every branch after the provider call can be driven:
 * accepted, refused with Meta's codes, no id, refused connection, timeout.
 */
@CamelSpringBootTest
@UseAdviceWith
// The woven route must not serve the test classes that come after it in a cached context.
@org.springframework.test.annotation.DirtiesContext
class OutboundRouteIT extends GatewayTest {

    private static volatile boolean advised;
    private MockEndpoint graph;

    @BeforeEach
    void adviseOnce() throws Exception {
        if (!advised) {
            AdviceWith.adviceWith(camel, "provider-whatsapp",
                    route -> route.weaveById("call-graph-api").replace().to("mock:graph-api"));
            camel.start();
            advised = true;
        }
        graph = camel.getEndpoint("mock:graph-api", MockEndpoint.class);
        graph.reset();
        fixtureTenant();
        // Anna wrote a minute ago: the window is open, so every send reaches the provider step.
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.hi",
                clock.instant().minusSeconds(60).getEpochSecond(), "Hallo"), Fixtures.APP_SECRET);
    }

    private Http.Response send() {
        return http.post("/api/v1/messages", json(Map.of("channel", "whatsapp", "to", Fixtures.ANNA, "text", "Termin morgen")),
                "Authorization", "Bearer " + apiKey("mueller", ALL_SCOPES), "Content-Type", "application/json");
    }

    private void graphAnswers(int status, String body) {
        graph.whenAnyExchangeReceived(exchange -> {
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
            exchange.getMessage().setBody(body);
        });
    }

    private void graphThrows(Exception e) {
        graph.whenAnyExchangeReceived(exchange -> {
            throw e;
        });
    }

    @Test
    void acceptedIsSentWithMetasId() throws Exception {
        graphAnswers(200, "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.ROUTE1\"}]}");
        graph.expectedMessageCount(1);
        Http.Response r = send();
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().path("status").asText()).isEqualTo("sent");
        assertThat(r.json().path("providerMessageId").asText()).isEqualTo("wamid.ROUTE1");
        graph.assertIsSatisfied();
        Exchange call = graph.getReceivedExchanges().get(0);
        assertThat(call.getMessage().getHeader("Authorization", String.class)).isEqualTo("Bearer access-mueller");
        assertThat(call.getMessage().getBody(String.class)).contains("\"to\":\"" + Fixtures.ANNA + "\"", "Termin morgen");
    }

    @Test
    void aRefusalIsStoredWithMetasCodeAndAWindowRefusalAnswersLikeTheGate() {
        graphAnswers(400, "{\"error\":{\"message\":\"(#131047) Re-engagement message\",\"code\":131047}}");
        Http.Response r = send();
        assertThat(r.status()).as(r.toString()).isEqualTo(409);
        assertThat(r.code()).isEqualTo("WHATSAPP_WINDOW_CLOSED");
        assertThat(jdbc.queryForObject("select error_code from message where direction = 'outbound'", String.class))
                .isEqualTo("131047");

        graphAnswers(400, "{\"error\":{\"message\":\"(#100) Invalid parameter\",\"code\":100}}");
        Http.Response invalid = send();
        assertThat(invalid.status()).isEqualTo(202);
        assertThat(invalid.json().path("status").asText()).isEqualTo("failed");
        assertThat(invalid.json().path("error").path("code").asText()).isEqualTo("100");
    }

    @Test
    void anAnswerWithoutAnIdIsAFailureNotASuccess() {
        graphAnswers(200, "{}");
        Http.Response r = send();
        assertThat(r.json().path("status").asText()).isEqualTo("failed");
        assertThat(r.json().path("error").path("code").asText()).isEqualTo("INVALID_PROVIDER_RESPONSE");
    }

    @Test
    void aRefusedConnectionMeansNotSentAndATimeoutMeansUnknownNeitherIsRetried() {
        graphThrows(new ConnectException("Connection refused"));
        graph.expectedMessageCount(1);
        Http.Response refused = send();
        assertThat(refused.json().path("error").path("code").asText()).isEqualTo("PROVIDER_UNREACHABLE");

        graph.reset();
        graphThrows(new SocketTimeoutException("Read timed out"));
        Http.Response timeout = send();
        assertThat(timeout.json().path("status").asText()).isEqualTo("failed");
        assertThat(timeout.json().path("error").path("code").asText()).isEqualTo("PROVIDER_TIMEOUT");
        assertThat(graph.getReceivedCounter()).as("one call, no retry").isEqualTo(1);
    }
}
