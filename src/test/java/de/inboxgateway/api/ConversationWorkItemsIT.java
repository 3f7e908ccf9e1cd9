package de.inboxgateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/**
 * Conversations as work items: PATCH of status, the ERP's case and the assignee with their events,
 * the filters, reopening by a new inbound message, unread counting, and reading with one WhatsApp read
 * receipt through the Graph API (a loopback server) that never fails the read.
 */
class ConversationWorkItemsIT extends GatewayTest {

    private TestTenant mueller;
    private int seq;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
    }

    private long whatsappFrom(String waId, String wamid, Instant at) {
        Http.Response r = postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, waId, wamid, at.getEpochSecond(),
                "Wasserschaden im Bad"), Fixtures.APP_SECRET);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return conversationOf("+" + waId, "whatsapp");
    }

    private long smsFromAnna(String text) {
        Http.Response r = postTwilioSigned("/webhooks/sms", Map.of("MessageSid", String.format("SMwork%028d", ++seq),
                "From", Fixtures.ANNA, "To", Fixtures.TWILIO_NUMBER, "Body", text, "AccountSid", Fixtures.ACCOUNT_SID),
                Fixtures.AUTH_TOKEN);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return conversationOf(Fixtures.ANNA, "sms");
    }

    private long conversationOf(String phone, String channel) {
        return count("select id from conversation where phone = ? and channel = ?", phone, channel);
    }

    private Http.Response patch(TestTenant t, long id, String body) {
        return http.patch("/api/v1/conversations/" + id, body, "Authorization", t.bearer(), "Content-Type", "application/json");
    }

    private Http.Response read(TestTenant t, long id) {
        return http.post("/api/v1/conversations/" + id + "/read", "", "Authorization", t.bearer());
    }

    private JsonNode conversation(long id) {
        Http.Response r = api(mueller, "/api/v1/conversations/" + id);
        assertThat(r.status()).isEqualTo(200);
        return r.json();
    }

    private long events(String type) {
        return count("select count(*) from tenant_event where type = ?", type);
    }

    private List<FakeProvider.Request> receipts() {
        return GRAPH.requests().stream().filter(r -> r.body().contains("\"status\":\"read\"")).toList();
    }

    @Test
    void aPatchChangesTheWorkItemWithOneEventAndAPatchThatChangesNothingEmitsNone() throws Exception {
        long id = whatsappFrom("4917612345678", "wamid.work-1", clock.instant());
        JsonNode fresh = conversation(id);
        assertThat(fresh.path("status").asText()).isEqualTo("open");
        assertThat(fresh.path("externalRef").isNull()).isTrue();
        assertThat(fresh.path("assignee").isNull()).isTrue();
        assertThat(fresh.path("unreadCount").asLong()).isEqualTo(1);

        try (FeedClient feed = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey())) {
            Http.Response closed = patch(mueller, id,
                    "{\"status\":\"closed\",\"externalRef\":\"ANF-2026-0042\",\"assignee\":\"frau.weber\"}");
            assertThat(closed.status()).as(closed.toString()).isEqualTo(200);
            assertThat(closed.json().path("id").asLong()).isEqualTo(id);
            assertThat(closed.json().path("status").asText()).isEqualTo("closed");
            assertThat(closed.json().path("externalRef").asText()).isEqualTo("ANF-2026-0042");
            assertThat(closed.json().path("assignee").asText()).isEqualTo("frau.weber");

            JsonNode event = feed.until(e -> "conversation.updated".equals(e.path("type").asText()), Duration.ofSeconds(10))
                    .stream().filter(e -> "conversation.updated".equals(e.path("type").asText())).findFirst().orElseThrow();
            assertThat(event.path("conversationId").asLong()).isEqualTo(id);
            assertThat(event.path("status").asText()).isEqualTo("closed");
            assertThat(event.path("externalRef").asText()).isEqualTo("ANF-2026-0042");
            assertThat(event.path("assignee").asText()).isEqualTo("frau.weber");
            assertThat(event.path("changed")).extracting(JsonNode::asText)
                    .containsExactly("status", "externalRef", "assignee");
        }

        Http.Response same = patch(mueller, id, "{\"status\":\"closed\",\"assignee\":\"frau.weber\"}");
        assertThat(same.status()).isEqualTo(200);
        assertThat(events("conversation.updated")).isEqualTo(1);

        Http.Response cleared = patch(mueller, id, "{\"externalRef\":null}");
        assertThat(cleared.status()).isEqualTo(200);
        assertThat(cleared.json().path("externalRef").isNull()).isTrue();
        assertThat(cleared.json().path("assignee").asText()).isEqualTo("frau.weber");
        assertThat(events("conversation.updated")).isEqualTo(2);
        String payload = jdbc.queryForObject(
                "select payload::text from tenant_event where type = 'conversation.updated' order by id desc limit 1", String.class);
        assertThat(mapper.readTree(payload).path("changed")).extracting(JsonNode::asText).containsExactly("externalRef");
    }

    @Test
    void badPatchesAreClearErrorsAndOtherTenantsConversationsDoNotExist() {
        long id = whatsappFrom("4917612345678", "wamid.work-2", clock.instant());
        for (String body : List.of("{\"status\":\"done\"}", "{\"status\":null}", "{\"status\":1}", "{\"subject\":\"x\"}",
                "{\"assignee\":\"\"}", "{\"externalRef\":\"" + "x".repeat(201) + "\"}", "[1]", "{broken")) {
            Http.Response r = patch(mueller, id, body);
            assertThat(r.status()).as(body).isEqualTo(400);
            assertThat(r.code()).as(body).isEqualTo("INVALID_REQUEST");
        }
        assertThat(conversation(id).path("status").asText()).isEqualTo("open");
        assertThat(events("conversation.updated")).isZero();

        TestTenant schmidt = otherTenant();
        assertThat(patch(schmidt, id, "{\"status\":\"closed\"}").status()).isEqualTo(404);
        assertThat(read(schmidt, id).status()).isEqualTo(404);
        assertThat(patch(mueller, 999_999, "{\"status\":\"closed\"}").status()).isEqualTo(404);
        assertThat(conversation(id).path("status").asText()).isEqualTo("open");

        TestTenant readOnly = new TestTenant("mueller", apiKey("mueller", List.of("messaging:read")));
        Http.Response denied = patch(readOnly, id, "{\"status\":\"closed\"}");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(read(readOnly, id).status()).isEqualTo(403);
        assertThat(conversation(id).path("unreadCount").asLong()).isEqualTo(1);
    }

    @Test
    void conversationsFilterByStatusCaseAndAssignee() {
        long anna = whatsappFrom("4917612345678", "wamid.work-3", clock.instant());
        long ben = whatsappFrom("4917611111111", "wamid.work-4", clock.instant());
        long carl = whatsappFrom("4917622222222", "wamid.work-5", clock.instant());
        patch(mueller, anna, "{\"status\":\"closed\",\"externalRef\":\"ANF-1\"}");
        patch(mueller, ben, "{\"assignee\":\"herr.kurz\",\"externalRef\":\"ANF-2\"}");

        assertThat(ids("status=closed")).containsExactly(anna);
        assertThat(ids("status=open")).containsExactlyInAnyOrder(ben, carl);
        assertThat(ids("externalRef=ANF-2")).containsExactly(ben);
        assertThat(ids("assignee=herr.kurz")).containsExactly(ben);
        assertThat(ids("status=open&externalRef=ANF-1")).isEmpty();
        assertThat(ids("channel=whatsapp&status=open&assignee=herr.kurz")).containsExactly(ben);
        Http.Response bad = api(mueller, "/api/v1/conversations?status=pending");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.code()).isEqualTo("INVALID_REQUEST");
    }

    private List<Long> ids(String query) {
        Http.Response r = api(mueller, "/api/v1/conversations?" + query);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json().path("items").findValues("id").stream().map(JsonNode::asLong).toList();
    }

    @Test
    void aNewInboundMessageReopensAClosedConversationButARedeliveryDoesNot() throws Exception {
        Instant t0 = clock.instant();
        long id = whatsappFrom("4917612345678", "wamid.work-6", t0);
        patch(mueller, id, "{\"status\":\"closed\",\"externalRef\":\"ANF-2026-0042\",\"assignee\":\"frau.weber\"}");

        whatsappFrom("4917612345678", "wamid.work-6", t0); // Meta delivers the old message again
        assertThat(conversation(id).path("status").asText()).isEqualTo("closed");
        assertThat(events("conversation.updated")).isEqualTo(1);

        whatsappFrom("4917612345678", "wamid.work-7", t0.plusSeconds(60));
        JsonNode reopened = conversation(id);
        assertThat(reopened.path("status").asText()).isEqualTo("open");
        assertThat(reopened.path("externalRef").asText()).isEqualTo("ANF-2026-0042");
        assertThat(reopened.path("assignee").asText()).isEqualTo("frau.weber");
        assertThat(events("conversation.updated")).isEqualTo(2);
        JsonNode event = mapper.readTree(jdbc.queryForObject("select payload::text from tenant_event "
                + "where type = 'conversation.updated' order by id desc limit 1", String.class));
        assertThat(event.path("status").asText()).isEqualTo("open");
        assertThat(event.path("changed")).extracting(JsonNode::asText).containsExactly("status");
        assertThat(event.path("externalRef").asText()).isEqualTo("ANF-2026-0042");
        // the reopening comes after the message that caused it
        assertThat(jdbc.queryForList("select type from tenant_event order by id desc limit 2", String.class))
                .containsExactly("conversation.updated", "messaging.inbound");
    }

    @Test
    void unreadCountsInboundSinceTheLastReadAndRepliesDoNotResetIt() throws Exception {
        long id = smsFromAnna("Hallo");
        smsFromAnna("Das Wasser tropft");
        smsFromAnna("Bitte melden");
        assertThat(conversation(id).path("unreadCount").asLong()).isEqualTo(3);

        Http.Response reply = http.post("/api/v1/messages", json(Map.of("channel", "sms", "to", Fixtures.ANNA,
                "text", "Wir kommen morgen")), "Authorization", mueller.bearer(), "Content-Type", "application/json");
        assertThat(reply.status()).as(reply.toString()).isEqualTo(202);
        assertThat(conversation(id).path("unreadCount").asLong()).isEqualTo(3);

        try (FeedClient feed = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey())) {
            Http.Response read = read(mueller, id);
            assertThat(read.status()).as(read.toString()).isEqualTo(200);
            assertThat(read.json().path("unreadCount").asLong()).isZero();
            assertThat(read.json().path("readAt").isNull()).isFalse();
            assertThat(read.json().path("readReceipt").isNull()).isTrue(); // SMS has no read receipts
            JsonNode event = feed.until(e -> "conversation.read".equals(e.path("type").asText()), Duration.ofSeconds(10))
                    .stream().filter(e -> "conversation.read".equals(e.path("type").asText())).findFirst().orElseThrow();
            assertThat(event.path("conversationId").asLong()).isEqualTo(id);
            assertThat(event.path("unreadCount").asLong()).isZero();
            assertThat(event.path("readUpTo").asLong()).isEqualTo(
                    count("select max(id) from message where conversation_id = ? and direction = 'inbound'", id));
        }
        assertThat(receipts()).isEmpty();

        smsFromAnna("Noch da?");
        assertThat(conversation(id).path("unreadCount").asLong()).isEqualTo(1);
        assertThat(ids("status=open")).containsExactly(id);
    }

    @Test
    void readingOnWhatsappSendsOneReceiptForTheNewestMessageByProviderTime() {
        Instant t0 = clock.instant().minusSeconds(600);
        // the later message arrives first: "newest" is the resident's order, not ours
        long id = whatsappFrom("4917612345678", "wamid.work-late", t0.plusSeconds(120));
        whatsappFrom("4917612345678", "wamid.work-early", t0);

        Http.Response read = read(mueller, id);
        assertThat(read.status()).as(read.toString()).isEqualTo(200);
        assertThat(read.json().path("unreadCount").asLong()).isZero();
        List<FakeProvider.Request> receipts = receipts();
        assertThat(receipts).hasSize(1);
        FakeProvider.Request receipt = receipts.get(0);
        assertThat(receipt.method()).isEqualTo("POST");
        assertThat(receipt.path()).endsWith("/" + Fixtures.PHONE_NUMBER_ID + "/messages");
        assertThat(receipt.header("Authorization")).isEqualTo("Bearer access-mueller");
        assertThat(receipt.body()).isEqualTo(
                "{\"messaging_product\":\"whatsapp\",\"status\":\"read\",\"message_id\":\"wamid.work-late\"}");
        JsonNode state = read.json().path("readReceipt");
        assertThat(state.path("status").asText()).isEqualTo("sent");
        assertThat(state.path("messageId").asLong()).isEqualTo(
                count("select id from message where provider_message_id = 'wamid.work-late'"));

        // nothing new: no second receipt, but still a read
        assertThat(read(mueller, id).status()).isEqualTo(200);
        assertThat(receipts()).hasSize(1);
        assertThat(events("conversation.read")).isEqualTo(2);

        whatsappFrom("4917612345678", "wamid.work-new", t0.plusSeconds(300));
        assertThat(conversation(id).path("unreadCount").asLong()).isEqualTo(1);
        assertThat(read(mueller, id).json().path("readReceipt").path("status").asText()).isEqualTo("sent");
        assertThat(receipts()).hasSize(2);
        assertThat(receipts().get(1).body()).contains("\"message_id\":\"wamid.work-new\"");
    }

    @Test
    void aRefusedReceiptNeverFailsTheRead() {
        long id = whatsappFrom("4917612345678", "wamid.work-8", clock.instant());
        GRAPH.respond(req -> FakeProvider.Response.of(400, "{\"error\":{\"message\":\"(#100) Invalid parameter\","
                + "\"type\":\"OAuthException\",\"code\":100,\"fbtrace_id\":\"A1\"}}"));

        Http.Response read = read(mueller, id);
        assertThat(read.status()).as(read.toString()).isEqualTo(200);
        assertThat(read.json().path("unreadCount").asLong()).isZero();
        JsonNode state = read.json().path("readReceipt");
        assertThat(state.path("status").asText()).isEqualTo("failed");
        assertThat(state.path("error").asText()).startsWith("100: ").contains("Invalid parameter");
        assertThat(receipts()).hasSize(1); // and never again by itself
        assertThat(conversation(id).path("readReceipt").path("status").asText()).isEqualTo("failed");

        // a gateway in front of Meta answering with an HTML page: refused as well, the read stands
        whatsappFrom("4917612345678", "wamid.work-9", clock.instant());
        GRAPH.respond(req -> new FakeProvider.Response(502, "<html>Bad Gateway</html>", 0));
        Http.Response again = read(mueller, id);
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.json().path("readReceipt").path("status").asText()).isEqualTo("failed");
        assertThat(again.json().path("readReceipt").path("error").asText()).startsWith("HTTP_502");
        assertThat(again.json().path("unreadCount").asLong()).isZero();
    }
}
