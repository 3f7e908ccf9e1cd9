package de.inboxgateway.broadcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/**
 * Broadcasts end to end against loopback Twilio and Graph servers: exact outcomes with duplicates,
 * invalid numbers and opt-outs, nobody texted twice, pacing, cancel, a STOP in the middle, a crash
 * in the middle, Meta's rate limit, and a manager's single reply that does not wait for any of it.
 */
@TestPropertySource(properties = {"gateway.broadcast.rate-per-second=10", "gateway.broadcast.tick=50ms",
        "gateway.broadcast.idle-check=200ms", "gateway.broadcast.lease=2s", "gateway.broadcast.rate-limit-pause=1s",
        "gateway.broadcast.max-recipients=50"})
class BroadcastsIT extends GatewayTest {

    static final String WABA = "102290129340398";
    @Autowired
    CamelContext camelContext;
    private TestTenant mueller;

    @BeforeEach
    void provision() throws Exception {
        mueller = fixtureTenant();
        camelContext.getRouteController().startRoute("broadcast-pacer");
    }

    @AfterEach
    void quiet() throws Exception {
        // a broadcast left running must not text into the next test, nor this context into another's
        jdbc.update("update broadcast set status = 'cancelled' where status = 'running'");
        camelContext.getRouteController().stopRoute("broadcast-pacer");
    }

    private Http.Response create(String json, String... headers) {
        List<String> all = new ArrayList<>(List.of("Authorization", mueller.bearer(), "Content-Type", "application/json"));
        all.addAll(List.of(headers));
        return http.post("/api/v1/broadcasts", json, all.toArray(String[]::new));
    }

    private Http.Response smsBroadcast(String text, List<String> phones, String... headers) {
        List<Map<String, Object>> recipients = phones.stream().map(p -> Map.<String, Object>of("phone", p)).toList();
        return create(json(Map.of("name", "Wasser", "channel", "sms", "text", text, "recipients", recipients)), headers);
    }

    private JsonNode broadcast(long id) {
        Http.Response r = api(mueller, "/api/v1/broadcasts/" + id);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        return r.json();
    }

    private boolean ended(long id) {
        return !"running".equals(broadcast(id).path("status").asText());
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        return form;
    }

    /** The phones Twilio was asked to text this body to, in order. */
    private List<String> textedTo(String text) {
        return TWILIO.requests().stream().map(r -> form(r.body())).filter(f -> text.equals(f.get("Body")))
                .map(f -> f.get("To")).toList();
    }

    private void stopFrom(String phone, String sid) {
        assertThat(postTwilioSigned("/webhooks/sms", Map.of("MessageSid", sid, "From", phone, "To", Fixtures.TWILIO_NUMBER,
                "Body", "STOP", "AccountSid", Fixtures.ACCOUNT_SID), Fixtures.AUTH_TOKEN).status()).isEqualTo(200);
    }

    @Test
    void everyRecipientPassesEveryGateAloneWithExactCountsAndNobodyTwice() throws Exception {
        stopFrom("+4915200000003", "SMbcast00000000000000000000000001");
        String text = "Am 14.04. wird das Wasser abgestellt.";
        try (FeedClient feed = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey())) {
            Http.Response r = smsBroadcast(text, List.of("+4915200000001", "0152 00000001", "+4915200000002",
                    "keine Nummer", "keine Nummer", "+4915200000003", "+49 152 00000004"));
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            assertThat(r.json().path("status").asText()).isEqualTo("running");
            assertThat(r.json().path("total").asInt()).isEqualTo(5);
            long id = r.json().path("id").asLong();

            await().atMost(Duration.ofSeconds(15)).until(() -> ended(id));
            JsonNode b = broadcast(id);
            assertThat(b.path("status").asText()).isEqualTo("completed");
            assertThat(b.path("counts")).isEqualTo(mapper.readTree(
                    "{\"sent\":3,\"failed\":0,\"blocked_optout\":1,\"invalid_phone\":1,\"pending\":0,\"cancelled\":0}"));
            assertThat(textedTo(text)).containsExactlyInAnyOrder("+4915200000001", "+4915200000002", "+4915200000004");
            assertThat(count("select count(*) from audit_entry where type = 'send.blocked-optout' and phone = '+4915200000003'"))
                    .isEqualTo(1);

            JsonNode blocked = api(mueller, "/api/v1/broadcasts/" + id + "/recipients?outcome=blocked_optout").json();
            assertThat(blocked.path("items").findValuesAsText("phone")).containsExactly("+4915200000003");
            JsonNode sent = api(mueller, "/api/v1/broadcasts/" + id + "/recipients?outcome=sent").json().path("items");
            assertThat(sent).hasSize(3);
            for (JsonNode s : sent) {
                JsonNode message = api(mueller, "/api/v1/messages/" + s.path("messageId").asLong()).json();
                assertThat(message.path("text").asText()).isEqualTo(text);
            }
            assertThat(api(mueller, "/api/v1/broadcasts/" + id + "/recipients?outcome=invalid_phone").json()
                    .path("items").get(0).path("phone").asText()).isEqualTo("keine Nummer");

            JsonNode completed = feed.until(e -> "broadcast.completed".equals(e.path("type").asText()), Duration.ofSeconds(10))
                    .stream().filter(e -> "broadcast.completed".equals(e.path("type").asText())).findFirst().orElseThrow();
            assertThat(completed.path("broadcastId").asLong()).isEqualTo(id);
            assertThat(completed.path("counts").path("sent").asInt()).isEqualTo(3);
        }
    }

    @Test
    void aWhatsappBroadcastSendsTheApprovedTemplateWithEachRecipientsParameters() {
        syncTemplates();
        Http.Response r = create("""
                {"name":"Wasser Lindenstraße","channel":"whatsapp",
                 "template":{"name":"wasser_abstellung","language":"de","parameters":{"body":["14.04.2026","08:00","12:00","Haus 1"]}},
                 "recipients":[{"phone":"+4915200000011"},
                               {"phone":"+4915200000012","parameters":{"body":["15.04.2026","09:00","11:00","Haus 2"]}}]}""");
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        long id = r.json().path("id").asLong();
        await().atMost(Duration.ofSeconds(15)).until(() -> ended(id));
        assertThat(broadcast(id).path("counts").path("sent").asInt()).isEqualTo(2);
        List<FakeProvider.Request> sends = GRAPH.requests().stream().filter(q -> q.body().contains("\"type\":\"template\"")).toList();
        assertThat(sends).hasSize(2);
        assertThat(sends.stream().filter(q -> q.body().contains("+4915200000012")).findFirst().orElseThrow().body())
                .contains("15.04.2026").contains("Haus 2").doesNotContain("Haus 1");
        assertThat(jdbc.queryForList("select text from message where type = 'template' order by recipient", String.class))
                .containsExactly(
                        "Guten Tag,\n\nam 14.04.2026 wird zwischen 08:00 und 12:00 Uhr das Wasser im Haus Haus 1 abgestellt.\n\nIhre Hausverwaltung",
                        "Guten Tag,\n\nam 15.04.2026 wird zwischen 09:00 und 11:00 Uhr das Wasser im Haus Haus 2 abgestellt.\n\nIhre Hausverwaltung");
    }

    private void syncTemplates() {
        long channel = count("select id from channel where channel = 'whatsapp'");
        assertThat(http.patch("/admin/v1/tenants/mueller/channels/" + channel, "{\"wabaId\":\"" + WABA + "\"}", admin())
                .status()).isEqualTo(200);
        GRAPH.respond(req -> req.path().endsWith("/message_templates")
                ? FakeProvider.Response.of(200, Fixtures.text("whatsapp/templates/list-page-"
                + (req.query() != null && req.query().contains("after=") ? 2 : 1) + ".json"))
                : FakeProvider.Response.of(200, "{\"messages\":[{\"id\":\"wamid.B" + System.nanoTime() + "\"}]}"));
        assertThat(http.post("/api/v1/templates/sync", "", "Authorization", mueller.bearer()).status()).isEqualTo(200);
    }

    @Test
    void whatCanBeCheckedBeforehandRefusesTheWholeRequest() {
        syncTemplates();
        String recipients = "[{\"phone\":\"+4915200000021\"},{\"phone\":\"+4915200000022\",\"parameters\":{\"body\":[\"x\"]}}]";
        Http.Response params = create("{\"name\":\"n\",\"channel\":\"whatsapp\",\"template\":{\"name\":\"wasser_abstellung\","
                + "\"language\":\"de\",\"parameters\":{\"body\":[\"a\",\"b\",\"c\",\"d\"]}},\"recipients\":" + recipients + "}");
        assertThat(params.status()).isEqualTo(400);
        assertThat(params.code()).isEqualTo("TEMPLATE_PARAMETERS_INVALID");
        assertThat(params.json().path("message").asText()).startsWith("recipients[1] (+4915200000022): body:")
                .contains("takes 4 parameters, got 1");
        assertThat(create("{\"name\":\"n\",\"channel\":\"whatsapp\",\"text\":\"Hallo\",\"recipients\":" + recipients + "}")
                .code()).isEqualTo("INVALID_REQUEST");
        assertThat(create("{\"name\":\"n\",\"channel\":\"whatsapp\",\"template\":{\"name\":\"zaehlerablesung\","
                + "\"language\":\"de\"},\"recipients\":" + recipients + "}").code()).isEqualTo("TEMPLATE_NOT_APPROVED");
        assertThat(create("{\"name\":\"n\",\"channel\":\"whatsapp\",\"template\":{\"name\":\"nope\","
                + "\"language\":\"de\"},\"recipients\":" + recipients + "}").code()).isEqualTo("TEMPLATE_NOT_FOUND");
        assertThat(smsBroadcast("x", List.of()).code()).isEqualTo("INVALID_REQUEST");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 51; i++) {
            many.add("+49152000001" + String.format("%02d", i));
        }
        Http.Response tooMany = smsBroadcast("x", many);
        assertThat(tooMany.code()).isEqualTo("INVALID_REQUEST");
        assertThat(tooMany.json().path("message").asText()).contains("at most 50");
        TestTenant sender = new TestTenant("mueller", apiKey("mueller", List.of("messaging:send", "messaging:read")));
        assertThat(http.post("/api/v1/broadcasts", "{}", "Authorization", sender.bearer(), "Content-Type",
                "application/json").status()).isEqualTo(403);
        assertThat(count("select count(*) from broadcast")).isZero();
        assertThat(GRAPH.requests().stream().filter(q -> q.body().contains("\"type\":\"template\""))).isEmpty();
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstBroadcast() {
        Http.Response first = smsBroadcast("Hallo", List.of("+4915200000031"), "Idempotency-Key", "notice-7");
        Http.Response again = smsBroadcast("Hallo", List.of("+4915200000031"), "Idempotency-Key", "notice-7");
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.json().path("id").asLong()).isEqualTo(first.json().path("id").asLong());
        assertThat(again.json().path("replayed").asBoolean()).isTrue();
        assertThat(smsBroadcast("Anders", List.of("+4915200000031"), "Idempotency-Key", "notice-7").code())
                .isEqualTo("IDEMPOTENCY_KEY_REUSED");
        await().atMost(Duration.ofSeconds(10)).until(() -> ended(first.json().path("id").asLong()));
        assertThat(textedTo("Hallo")).containsExactly("+4915200000031");
        assertThat(smsBroadcast("x", List.of("+4915200000031"), "Idempotency-Key", "gateway:broadcast:1:1").code())
                .isEqualTo("INVALID_REQUEST");
    }

    private List<String> phones(int n, int base) {
        List<String> phones = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            phones.add("+4915201" + String.format("%05d", base + i));
        }
        return phones;
    }

    @Test
    void sendsAreSpacedAtTheConfiguredRate() {
        String text = "Zählerablesung am 02.05.";
        Http.Response r = smsBroadcast(text, phones(12, 100));
        long id = r.json().path("id").asLong();
        await().atMost(Duration.ofSeconds(15)).until(() -> ended(id));
        List<Timestamp> at = jdbc.queryForList("select created_at from message where text = ? order by created_at",
                Timestamp.class, text);
        assertThat(at).hasSize(12);
        double seconds = (at.get(11).getTime() - at.get(0).getTime()) / 1000.0;
        // 10 per second: eleven intervals of 100 ms, give or take a tick of 50 ms at each end
        System.out.printf("broadcast pacing: 12 sends over %.2f s at 10/s (expected 1.1 s)%n", seconds);
        assertThat(seconds).isBetween(0.95, 2.5);
        assertThat(textedTo(text)).hasSize(12).doesNotHaveDuplicates();
    }

    @Test
    void cancelEndsEveryoneNotYetSentAndNothingMoreGoesOut() {
        String text = "Versammlung";
        Http.Response r = smsBroadcast(text, phones(40, 200));
        long id = r.json().path("id").asLong();
        await().atMost(Duration.ofSeconds(10)).until(() -> textedTo(text).size() >= 3);
        Http.Response cancelled = http.post("/api/v1/broadcasts/" + id + "/cancel", "", "Authorization", mueller.bearer());
        assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
        assertThat(cancelled.json().path("status").asText()).isEqualTo("cancelled");
        await().atMost(Duration.ofSeconds(10)).until(() -> broadcast(id).path("counts").path("pending").asInt() == 0);
        JsonNode counts = broadcast(id).path("counts");
        int sent = counts.path("sent").asInt();
        assertThat(sent + counts.path("cancelled").asInt()).isEqualTo(40);
        assertThat(counts.path("cancelled").asInt()).isGreaterThan(0);
        // nothing of it is left to claim: what Twilio got is exactly what counts as sent
        assertThat(count("select count(*) from broadcast_recipient where broadcast_id = ? and outcome in ('pending', 'sending')",
                id)).isZero();
        assertThat(textedTo(text)).hasSize(sent);
    }

    @Test
    void aStopInTheMiddleStopsTheRestForThatPhone() {
        String text = "Heizung aus";
        List<String> phones = phones(15, 300);
        Http.Response r = smsBroadcast(text, phones);
        long id = r.json().path("id").asLong();
        await().atMost(Duration.ofSeconds(10)).until(() -> textedTo(text).size() >= 2);
        stopFrom(phones.get(14), "SMbcast00000000000000000000000002");
        await().atMost(Duration.ofSeconds(15)).until(() -> ended(id));
        assertThat(textedTo(text)).hasSize(14).doesNotContain(phones.get(14));
        JsonNode blocked = api(mueller, "/api/v1/broadcasts/" + id + "/recipients?outcome=blocked_optout").json();
        assertThat(blocked.path("items").findValuesAsText("phone")).containsExactly(phones.get(14));

        // progress on the feed at most about once a second, then exactly one completion
        List<Timestamp> progress = jdbc.queryForList("select at from tenant_event where type = 'broadcast.progress' "
                + "and (payload ->> 'broadcastId')::bigint = ? order by id", Timestamp.class, id);
        assertThat(progress).isNotEmpty();
        for (int i = 1; i < progress.size(); i++) {
            assertThat(progress.get(i).getTime() - progress.get(i - 1).getTime()).isGreaterThanOrEqualTo(900);
        }
        assertThat(count("select count(*) from tenant_event where type = 'broadcast.completed' "
                + "and (payload ->> 'broadcastId')::bigint = ?", id)).isEqualTo(1);
    }

    @Test
    void aManagersReplyGoesOutWhileABroadcastRuns() {
        String text = "Rundschreiben";
        Http.Response r = smsBroadcast(text, phones(40, 400));
        long id = r.json().path("id").asLong();
        await().atMost(Duration.ofSeconds(10)).until(() -> textedTo(text).size() >= 1);
        Http.Response reply = http.post("/api/v1/messages", json(Map.of("channel", "sms", "to", "+4917699999999",
                "text", "Wir kommen heute.")), "Authorization", mueller.bearer(), "Content-Type", "application/json");
        assertThat(reply.status()).as(reply.toString()).isEqualTo(202);
        assertThat(reply.json().path("status").asText()).isEqualTo("sent");
        // answered while most of the broadcast still waits its turn
        assertThat(broadcast(id).path("counts").path("pending").asInt()).isGreaterThan(20);
    }

    @Test
    void aCrashInTheMiddleResolvesFromTheMessageAndNeverTextsTwice() throws Exception {
        String text = "Treppenhausreinigung";
        camelContext.getRouteController().stopRoute("broadcast-pacer");
        Http.Response r = smsBroadcast(text, phones(4, 500));
        long id = r.json().path("id").asLong();
        List<Long> ids = jdbc.queryForList("select id from broadcast_recipient where broadcast_id = ? order by id", Long.class, id);
        // an instance died after claiming the first two: one before it queued anything, one after it sent
        jdbc.update("update broadcast_recipient set outcome = 'sending', claimed_by = 'dead', "
                + "claimed_until = now() - interval '1 second' where id = ?", ids.get(0));
        Http.Response sentBefore = http.post("/api/v1/messages", json(Map.of("channel", "sms", "to", "+4915201" + "00501",
                "text", text)), "Authorization", mueller.bearer(), "Content-Type", "application/json",
                "Idempotency-Key", "placeholder");
        long messageId = sentBefore.json().path("id").asLong();
        jdbc.update("update message set idempotency_key = ? where id = ?", "gateway:broadcast:" + id + ":" + ids.get(1), messageId);
        jdbc.update("update broadcast_recipient set outcome = 'sending', claimed_by = 'dead', "
                + "claimed_until = now() - interval '1 second' where id = ?", ids.get(1));

        camelContext.getRouteController().startRoute("broadcast-pacer");
        await().atMost(Duration.ofSeconds(15)).until(() -> ended(id));
        assertThat(broadcast(id).path("counts").path("sent").asInt()).isEqualTo(4);
        assertThat(textedTo(text)).containsExactlyInAnyOrderElementsOf(phones(4, 500)); // each exactly once
        JsonNode recovered = api(mueller, "/api/v1/broadcasts/" + id + "/recipients").json().path("items").get(1);
        assertThat(recovered.path("messageId").asLong()).isEqualTo(messageId);
    }

    @Test
    void twoInstancesShareTheRateAndNeverTakeOneRecipientTwice() {
        try (var second = new org.springframework.boot.builder.SpringApplicationBuilder(
                de.inboxgateway.InboxGatewayApplication.class).run(anotherGateway("--gateway.broadcast.enabled=true",
                "--gateway.broadcast.rate-per-second=10", "--gateway.broadcast.tick=50ms",
                "--gateway.broadcast.idle-check=200ms"))) {
            String text = "Zwei Gateways";
            String secondInstance = second.getBean(Broadcasts.class).instance();
            long id = smsBroadcast(text, phones(20, 700)).json().path("id").asLong();
            await().atMost(Duration.ofSeconds(20)).until(() -> ended(id));
            assertThat(textedTo(text)).hasSize(20).doesNotHaveDuplicates();
            List<Timestamp> at = jdbc.queryForList("select created_at from message where text = ? order by created_at",
                    Timestamp.class, text);
            double seconds = (at.get(19).getTime() - at.get(0).getTime()) / 1000.0;
            List<String> instances = jdbc.queryForList("select distinct claimed_by from broadcast_recipient "
                    + "where broadcast_id = ?", String.class, id);
            System.out.printf("broadcast pacing, two instances: 20 sends over %.2f s at 10/s shared (expected 1.9 s), "
                    + "claimed by %d instance(s), the second %s%n", seconds, instances.size(),
                    instances.contains(secondInstance) ? "among them" : "not");
            // each instance at its own 10/s would need about 1 s
            assertThat(seconds).isBetween(1.7, 4.0);
        }
    }

    @Test
    void aGatewayStoppedInTheMiddleIsResumedByAnotherWithoutTextingAnyoneTwice() throws Exception {
        camelContext.getRouteController().stopRoute("broadcast-pacer");
        String text = "Neustart";
        long id;
        var second = new org.springframework.boot.builder.SpringApplicationBuilder(
                de.inboxgateway.InboxGatewayApplication.class).run(anotherGateway("--gateway.broadcast.enabled=true",
                "--gateway.broadcast.rate-per-second=10", "--gateway.broadcast.tick=50ms",
                "--gateway.broadcast.idle-check=200ms"));
        try {
            id = smsBroadcast(text, phones(20, 800)).json().path("id").asLong();
            await().atMost(Duration.ofSeconds(10)).until(() -> textedTo(text).size() >= 5);
        } finally {
            second.close(); // graceful: a send in flight finishes, nothing new is claimed
        }
        int before = textedTo(text).size();
        assertThat(before).isBetween(5, 19);
        camelContext.getRouteController().startRoute("broadcast-pacer");
        await().atMost(Duration.ofSeconds(15)).until(() -> ended(id));
        assertThat(broadcast(id).path("counts").path("sent").asInt()).isEqualTo(20);
        assertThat(textedTo(text)).hasSize(20).containsExactlyInAnyOrderElementsOf(phones(20, 800));
    }

    @Test
    void aClaimLeftByACrashOfACancelledBroadcastEndsCancelled() throws Exception {
        camelContext.getRouteController().stopRoute("broadcast-pacer");
        long id = smsBroadcast("Abgesagt", phones(3, 900)).json().path("id").asLong();
        jdbc.update("update broadcast_recipient set outcome = 'sending', claimed_by = 'dead', "
                + "claimed_until = now() - interval '1 second' where broadcast_id = ? and position = 0", id);
        assertThat(http.post("/api/v1/broadcasts/" + id + "/cancel", "", "Authorization", mueller.bearer()).status())
                .isEqualTo(200);
        camelContext.getRouteController().startRoute("broadcast-pacer");
        await().atMost(Duration.ofSeconds(10)).until(() -> broadcast(id).path("counts").path("pending").asInt() == 0);
        assertThat(broadcast(id).path("counts").path("cancelled").asInt()).isEqualTo(3);
        assertThat(textedTo("Abgesagt")).isEmpty();
    }

    @Test
    void aTemplatePausedDuringTheBroadcastIsNotSentToTheRest() throws Exception {
        syncTemplates();
        camelContext.getRouteController().stopRoute("broadcast-pacer");
        long id = create("""
                {"name":"Wasser","channel":"whatsapp",
                 "template":{"name":"wasser_abstellung","language":"de","parameters":{"body":["14.04.2026","08:00","12:00","Haus 1"]}},
                 "recipients":[{"phone":"+4915200000051"},{"phone":"+4915200000052"}]}""").json().path("id").asLong();
        jdbc.update("update template set status = 'PAUSED' where name = 'wasser_abstellung'"); // Meta's webhook meanwhile
        camelContext.getRouteController().startRoute("broadcast-pacer");
        await().atMost(Duration.ofSeconds(10)).until(() -> ended(id));
        assertThat(broadcast(id).path("counts").path("failed").asInt()).isEqualTo(2);
        assertThat(api(mueller, "/api/v1/broadcasts/" + id + "/recipients?outcome=failed").json().path("items").get(0)
                .path("error").asText()).startsWith("TEMPLATE_NOT_APPROVED");
        assertThat(GRAPH.requests().stream().filter(q -> q.body().contains("\"type\":\"template\""))).isEmpty();
    }

    @Test
    void aBroadcastWhoseLastSendWasRecordedByAStoppedInstanceStillEnds() throws Exception {
        camelContext.getRouteController().stopRoute("broadcast-pacer");
        long id = smsBroadcast("Ende", phones(2, 600)).json().path("id").asLong();
        // another instance sent both and stopped before it could end the broadcast
        jdbc.update("update broadcast_recipient set outcome = 'sent', finished_at = now() where broadcast_id = ?", id);
        camelContext.getRouteController().startRoute("broadcast-pacer");
        await().atMost(Duration.ofSeconds(10)).until(() -> ended(id));
        assertThat(broadcast(id).path("status").asText()).isEqualTo("completed");
        assertThat(textedTo("Ende")).isEmpty();
    }

    @Test
    void metasRateLimitFailsThatRecipientAndPausesTheRest() {
        syncTemplates();
        boolean[] limited = {false};
        GRAPH.respond(req -> {
            if (req.path().endsWith("/message_templates")) {
                return FakeProvider.Response.of(200, Fixtures.text("whatsapp/templates/list-page-2.json"));
            }
            synchronized (limited) {
                if (!limited[0]) {
                    limited[0] = true;
                    return FakeProvider.Response.of(400, "{\"error\":{\"message\":\"(#130429) Rate limit hit\","
                            + "\"type\":\"OAuthException\",\"code\":130429}}");
                }
            }
            return FakeProvider.Response.of(200, "{\"messages\":[{\"id\":\"wamid.R" + System.nanoTime() + "\"}]}");
        });
        Http.Response r = create("""
                {"name":"Wasser","channel":"whatsapp",
                 "template":{"name":"wasser_abstellung","language":"de","parameters":{"body":["14.04.2026","08:00","12:00","Haus 1"]}},
                 "recipients":[{"phone":"+4915200000041"},{"phone":"+4915200000042"},{"phone":"+4915200000043"}]}""");
        long id = r.json().path("id").asLong();
        await().atMost(Duration.ofSeconds(15)).until(() -> ended(id));
        JsonNode counts = broadcast(id).path("counts");
        assertThat(counts.path("failed").asInt()).isEqualTo(1);
        assertThat(counts.path("sent").asInt()).isEqualTo(2);
        JsonNode failed = api(mueller, "/api/v1/broadcasts/" + id + "/recipients?outcome=failed").json().path("items").get(0);
        assertThat(failed.path("phone").asText()).isEqualTo("+4915200000041");
        assertThat(failed.path("error").asText()).contains("130429").contains("RATE_LIMITED");
        List<Timestamp> at = jdbc.queryForList("select created_at from message where type = 'template' order by created_at",
                Timestamp.class);
        assertThat(at.get(1).getTime() - at.get(0).getTime()).as("paused after the rate limit").isGreaterThanOrEqualTo(900);
    }
}
