package de.inboxgateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/**
 * The outbound route against loopback servers that speak Twilio's Messages API and the Graph API:
 * what reaches the provider, every gate on both channels, provider failures, idempotency, resend.
 */
class OutboundIT extends GatewayTest {

    private TestTenant mueller;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
    }

    private Http.Response send(TestTenant t, String json, String... headers) {
        List<String> all = new ArrayList<>(List.of("Authorization", t.bearer(), "Content-Type", "application/json"));
        all.addAll(List.of(headers));
        return http.post("/api/v1/messages", json, all.toArray(String[]::new));
    }

    private Http.Response sendSms(String to, String text) {
        return send(mueller, json(Map.of("channel", "sms", "to", to, "text", text)));
    }

    private Http.Response sendWhatsapp(String to, String text) {
        return send(mueller, json(Map.of("channel", "whatsapp", "to", to, "text", text)));
    }

    /** Anna writes on WhatsApp at {@code at}: the service window opens. */
    private void annaWritesOnWhatsapp(Instant at, String wamid) {
        assertThat(postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", wamid,
                at.getEpochSecond(), "Hallo"), Fixtures.APP_SECRET).status()).isEqualTo(200);
    }

    private static Map<String, String> form(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            String[] kv = pair.split("=", 2);
            form.put(URLDecoder.decode(kv[0], StandardCharsets.UTF_8), URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        return form;
    }

    private List<FakeProvider.Request> twilioSends(String text) {
        return TWILIO.requests().stream().filter(r -> form(r.body()).getOrDefault("Body", "").equals(text)).toList();
    }

    private List<FakeProvider.Request> graphSends(String text) {
        return GRAPH.requests().stream().filter(r -> r.body().contains("\"body\":\"" + text + "\"")).toList();
    }

    @Test
    void smsGoesOutThroughTwilioWithTheTenantsAccountAndOurStatusCallback() {
        Http.Response r = sendSms("0176 12345678", "Der Monteur kommt morgen um 9 Uhr.");

        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().path("status").asText()).isEqualTo("sent");
        assertThat(r.json().path("providerMessageId").asText()).startsWith("SM");
        assertThat(r.json().path("conversationId").asLong()).isPositive();
        FakeProvider.Request request = TWILIO.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Messages.json");
        assertThat(request.header("Authorization")).isEqualTo("Basic " + Base64.getEncoder().encodeToString(
                (Fixtures.ACCOUNT_SID + ":" + Fixtures.AUTH_TOKEN).getBytes(StandardCharsets.UTF_8)));
        assertThat(request.header("Content-Type")).startsWith("application/x-www-form-urlencoded");
        // The same fields as the captured client request in fixtures/sms/send/messages-create.request.form.txt
        Map<String, String> captured = form(Fixtures.text("sms/send/messages-create.request.form.txt").strip());
        Map<String, String> sent = form(request.body());
        assertThat(captured).containsKeys("To", "Body", "StatusCallback");
        assertThat(sent).containsKeys("To", "Body", "StatusCallback");
        assertThat(sent).containsEntry("To", Fixtures.ANNA).containsEntry("From", Fixtures.TWILIO_NUMBER)
                .containsEntry("Body", "Der Monteur kommt morgen um 9 Uhr.")
                .containsEntry("StatusCallback", Fixtures.PUBLIC_BASE_URL + "/webhooks/sms/status");

        Map<String, Object> row = jdbc.queryForMap("select * from message where id = ?", r.json().path("id").asLong());
        assertThat(row.get("direction")).isEqualTo("outbound");
        assertThat(row.get("status")).isEqualTo("sent");
        assertThat(row.get("sender")).isEqualTo(Fixtures.TWILIO_NUMBER);
        assertThat(row.get("recipient")).isEqualTo(Fixtures.ANNA);
        assertThat((String) row.get("sent_by")).startsWith("api-key:");
        assertThat(row.get("attempted_at")).isNotNull();
    }

    @Test
    void whatsappGoesOutThroughTheGraphApiInsideTheWindow() {
        annaWritesOnWhatsapp(Instant.now().minusSeconds(60), "wamid.in-1");

        Http.Response r = sendWhatsapp("+4917612345678", "Wir kümmern uns darum.");

        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().path("providerMessageId").asText()).startsWith("wamid.FAKE");
        FakeProvider.Request request = GRAPH.requests().get(0);
        assertThat(request.path()).isEqualTo("/v23.0/" + Fixtures.PHONE_NUMBER_ID + "/messages");
        assertThat(request.header("Authorization")).isEqualTo("Bearer access-mueller");
        assertThat(request.header("Content-Type")).startsWith("application/json");
        JsonNode body = readJson(request.body());
        JsonNode fixture = Fixtures.json("whatsapp/send/text.request.json");
        assertThat(body.path("messaging_product").asText()).isEqualTo(fixture.path("messaging_product").asText());
        assertThat(body.path("recipient_type").asText()).isEqualTo(fixture.path("recipient_type").asText());
        assertThat(body.path("type").asText()).isEqualTo("text");
        assertThat(body.path("to").asText()).isEqualTo(Fixtures.ANNA);
        assertThat(body.path("text").path("body").asText()).isEqualTo("Wir kümmern uns darum.");
        // Nothing of our request travels on to Meta.
        assertThat(request.headers().keySet()).noneMatch(h -> h.toLowerCase().startsWith("camel") || h.equalsIgnoreCase("Idempotency-Key"));
    }

    @Test
    void statusWebhooksMoveTheSentMessageForward() {
        annaWritesOnWhatsapp(Instant.now().minusSeconds(60), "wamid.in-2");
        Http.Response sent = sendWhatsapp(Fixtures.ANNA, "Termin bestätigt");
        String wamid = sent.json().path("providerMessageId").asText();
        long id = sent.json().path("id").asLong();

        postWhatsappSigned(whatsappStatus(Fixtures.PHONE_NUMBER_ID, wamid, "delivered", 2, null), Fixtures.APP_SECRET);
        assertThat(api(mueller, "/api/v1/messages/" + id).json().path("status").asText()).isEqualTo("delivered");
        postWhatsappSigned(whatsappStatus(Fixtures.PHONE_NUMBER_ID, wamid, "read", 3, null), Fixtures.APP_SECRET);
        assertThat(api(mueller, "/api/v1/messages/" + id).json().path("status").asText()).isEqualTo("read");

        Http.Response sms = sendSms(Fixtures.ANNA, "Termin per SMS");
        postTwilioSigned("/webhooks/sms/status", Map.of("MessageSid", sms.json().path("providerMessageId").asText(),
                "MessageStatus", "delivered", "From", Fixtures.TWILIO_NUMBER, "To", Fixtures.ANNA,
                "AccountSid", Fixtures.ACCOUNT_SID), Fixtures.AUTH_TOKEN);
        assertThat(api(mueller, "/api/v1/messages/" + sms.json().path("id").asLong()).json().path("status").asText())
                .isEqualTo("delivered");
    }

    // ---- gates, in route order, on both channels ---------------------------------------------------

    @Test
    void permissionGate() {
        String readOnly = apiKey("mueller", List.of("messaging:read"));
        Http.Response denied = http.post("/api/v1/messages", json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text", "x")),
                "Authorization", "Bearer " + readOnly, "Content-Type", "application/json");
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.code()).isEqualTo("PERMISSION_DENIED");
        assertThat(http.post("/api/v1/messages", "{}", "Content-Type", "application/json").code()).isEqualTo("UNAUTHENTICATED");
        assertThat(TWILIO.requests()).isEmpty();
        assertThat(count("select count(*) from message")).isZero();
    }

    @Test
    void aKeyCanNeverSendFromAnotherTenantsNumber() {
        TestTenant schmidt = otherTenant();
        Http.Response r = send(schmidt, json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text", "x",
                "from", Fixtures.TWILIO_NUMBER)));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.code()).isEqualTo("PERMISSION_DENIED");
        // Without "from" it goes out from the key's own tenant's number and account.
        Http.Response own = send(schmidt, json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text", "von Schmidt")));
        assertThat(own.status()).isEqualTo(202);
        assertThat(twilioSends("von Schmidt")).singleElement().satisfies(req -> {
            assertThat(req.path()).contains(OTHER_ACCOUNT_SID);
            assertThat(form(req.body())).containsEntry("From", OTHER_TWILIO_NUMBER);
        });
    }

    @Test
    void optOutFilterOnBothChannelsIsAuditedAndTheProviderReceivesNothing() {
        annaWritesOnWhatsapp(Instant.now().minusSeconds(60), "wamid.in-3");
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.stop-3", Instant.now().getEpochSecond(),
                "STOP"), Fixtures.APP_SECRET);
        postTwilioSigned("/webhooks/sms", Map.of("MessageSid", "SMstop00000000000000000000000000003", "From", Fixtures.ANNA,
                "To", Fixtures.TWILIO_NUMBER, "Body", "Stopp", "AccountSid", Fixtures.ACCOUNT_SID), Fixtures.AUTH_TOKEN);

        for (Http.Response r : List.of(sendWhatsapp(Fixtures.ANNA, "Nach dem Stopp"), sendSms(Fixtures.ANNA, "Nach dem Stopp"))) {
            assertThat(r.status()).as(r.toString()).isEqualTo(409);
            assertThat(r.code()).isEqualTo("OPTOUT_ACTIVE");
        }
        assertThat(graphSends("Nach dem Stopp")).isEmpty();
        assertThat(twilioSends("Nach dem Stopp")).isEmpty();
        List<Map<String, Object>> audit = jdbc.queryForList("select * from audit_entry where type = 'send.blocked-optout' order by id");
        assertThat(audit).hasSize(2);
        assertThat(audit).allSatisfy(a -> {
            assertThat((String) a.get("actor")).startsWith("api-key:");
            assertThat(a.get("phone")).isEqualTo(Fixtures.ANNA);
            assertThat(a.get("detail").toString()).contains("Nach dem Stopp");
        });
        assertThat(count("select count(*) from message where direction = 'outbound' and kind = 'message'")).isZero();
    }

    @Test
    void windowFilterOnWhatsappOnlyAndAfterTheOptOutFilter() {
        Http.Response never = sendWhatsapp(Fixtures.ANNA, "Ohne Fenster");
        assertThat(never.status()).isEqualTo(409);
        assertThat(never.code()).isEqualTo("WHATSAPP_WINDOW_CLOSED");
        assertThat(GRAPH.requests()).isEmpty();
        assertThat(count("select count(*) from audit_entry where type = 'send.blocked-window'")).isEqualTo(1);
        // SMS has no window.
        assertThat(sendSms(Fixtures.ANNA, "Ohne Fenster").status()).isEqualTo(202);

        // Opted out and outside the window: the opt-out filter comes first.
        postTwilioSigned("/webhooks/sms", Map.of("MessageSid", "SMstop00000000000000000000000000004", "From", Fixtures.JONAS,
                "To", Fixtures.TWILIO_NUMBER, "Body", "STOP", "AccountSid", Fixtures.ACCOUNT_SID), Fixtures.AUTH_TOKEN);
        jdbc.update("insert into optout (tenant_id, channel, phone, source) select id, 'whatsapp', ?, 'test' from tenant where slug = 'mueller'",
                Fixtures.JONAS);
        assertThat(sendWhatsapp(Fixtures.JONAS, "x").code()).isEqualTo("OPTOUT_ACTIVE");
    }

    @Test
    void windowEdgesWithAFixedClock() {
        Instant inbound = Instant.parse("2026-03-02T10:00:00Z");
        annaWritesOnWhatsapp(inbound, "wamid.edge-1");

        clock.set(inbound.plus(Duration.ofHours(23).plusMinutes(59)));
        Http.Response inside = sendWhatsapp(Fixtures.ANNA, "23:59");
        assertThat(inside.status()).as(inside.toString()).isEqualTo(202);

        clock.set(inbound.plus(Duration.ofHours(24).plusMinutes(1)));
        Http.Response outside = sendWhatsapp(Fixtures.ANNA, "24:01");
        assertThat(outside.status()).isEqualTo(409);
        assertThat(outside.code()).isEqualTo("WHATSAPP_WINDOW_CLOSED");

        assertThat(graphSends("23:59")).hasSize(1);
        assertThat(graphSends("24:01")).isEmpty();
        // The window runs from the provider's timestamp, not from when the webhook arrived.
        assertThat(api(mueller, "/api/v1/conversations?channel=whatsapp").json().path("items").get(0)
                .path("windowOpenUntil").asText()).isEqualTo("2026-03-03T10:00:00Z");
    }

    // ---- provider failures -------------------------------------------------------------------------

    @Test
    void twilio5xxReachesTheProviderExactlyOnce() {
        TWILIO.respond(req -> FakeProvider.Response.of(500, "{\"code\":20500,\"message\":\"Internal Server Error\",\"status\":500}"));

        Http.Response r = sendSms(Fixtures.ANNA, "Einmal bitte");

        assertThat(r.status()).isEqualTo(202);
        assertThat(r.json().path("status").asText()).isEqualTo("failed");
        assertThat(r.json().path("error").path("code").asText()).isEqualTo("20500");
        // The Twilio SDK would retry a 5xx three times on its own; the gateway switches that off.
        assertThat(TWILIO.requests()).hasSize(1);
    }

    @Test
    void graph5xxAndRateLimitAnswersAreNotRetried() {
        annaWritesOnWhatsapp(Instant.now().minusSeconds(60), "wamid.in-5");
        GRAPH.respond(req -> FakeProvider.Response.of(503, "{\"error\":{\"message\":\"Service unavailable\",\"code\":2}}"));
        assertThat(sendWhatsapp(Fixtures.ANNA, "503").json().path("status").asText()).isEqualTo("failed");
        assertThat(GRAPH.requests()).hasSize(1);

        GRAPH.reset();
        GRAPH.respond(req -> FakeProvider.Response.of(429, Fixtures.text("whatsapp/send/error-130429-rate-limit.response.json")));
        Http.Response limited = sendWhatsapp(Fixtures.ANNA, "429");
        assertThat(limited.json().path("error").path("code").asText()).isEqualTo("130429");
        assertThat(limited.json().path("error").path("reason").asText()).isEqualTo("RATE_LIMITED");
        assertThat(GRAPH.requests()).hasSize(1);
    }

    @Test
    void timeoutMarksTheMessageFailedAndIsNeverRetried() {
        TWILIO.respond(req -> new FakeProvider.Response(201, "{}", 3500));
        Http.Response r = sendSms(Fixtures.ANNA, "Langsam");
        assertThat(r.json().path("status").asText()).isEqualTo("failed");
        assertThat(r.json().path("error").path("code").asText()).isEqualTo("PROVIDER_TIMEOUT");
        assertThat(TWILIO.requests()).hasSize(1);

        annaWritesOnWhatsapp(Instant.now().minusSeconds(60), "wamid.in-6");
        GRAPH.respond(req -> new FakeProvider.Response(200, "{}", 3500));
        Http.Response w = sendWhatsapp(Fixtures.ANNA, "Langsam");
        assertThat(w.json().path("error").path("code").asText()).isEqualTo("PROVIDER_TIMEOUT");
        assertThat(GRAPH.requests()).hasSize(1);
    }

    @Test
    void twilio21610RecordsTheOptOutAndAnswersOptOutActive() {
        TWILIO.respond(req -> FakeProvider.Response.of(400, Fixtures.text("sms/send/error-21610.response.400.json")));

        Http.Response r = sendSms(Fixtures.JONAS, "Hallo Jonas");

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.code()).isEqualTo("OPTOUT_ACTIVE");
        long id = r.json().path("messageId").asLong();
        assertThat(jdbc.queryForMap("select status, error_code from message where id = ?", id))
                .containsEntry("status", "failed").containsEntry("error_code", "21610");
        assertThat(jdbc.queryForMap("select * from optout where phone = ?", Fixtures.JONAS))
                .containsEntry("source", "provider:twilio-21610").containsEntry("channel", "sms");
        assertThat(count("select count(*) from audit_entry where type = 'optout.provider-signal'")).isEqualTo(1);
        // From now on the gate stops it before Twilio.
        TWILIO.reset();
        assertThat(sendSms(Fixtures.JONAS, "Nochmal").code()).isEqualTo("OPTOUT_ACTIVE");
        assertThat(TWILIO.requests()).isEmpty();
    }

    @Test
    void meta131047IsReportedAsWindowClosed() {
        annaWritesOnWhatsapp(Instant.now().minusSeconds(60), "wamid.in-7");
        GRAPH.respond(req -> FakeProvider.Response.of(400, "{\"error\":{\"message\":\"(#131047) Re-engagement message\","
                + "\"type\":\"OAuthException\",\"code\":131047,\"fbtrace_id\":\"A1\"}}"));

        Http.Response r = sendWhatsapp(Fixtures.ANNA, "Zu spät");

        assertThat(r.status()).isEqualTo(409);
        assertThat(r.code()).isEqualTo("WHATSAPP_WINDOW_CLOSED");
        assertThat(jdbc.queryForObject("select error_code from message where id = ?", String.class,
                r.json().path("messageId").asLong())).isEqualTo("131047");
    }

    @Test
    void authAndRateLimitErrorsAreStoredWithTheirCodes() {
        annaWritesOnWhatsapp(Instant.now().minusSeconds(60), "wamid.in-8");
        GRAPH.respond(req -> FakeProvider.Response.of(401, Fixtures.text("whatsapp/send/error-190-token-expired.response.json")));
        Http.Response expired = sendWhatsapp(Fixtures.ANNA, "190");
        assertThat(expired.json().path("error").path("code").asText()).isEqualTo("190");
        assertThat(expired.json().path("error").path("reason").asText()).isEqualTo("PROVIDER_AUTH_FAILED");

        GRAPH.respond(req -> FakeProvider.Response.of(400, Fixtures.text("whatsapp/send/error-131056-pair-rate-limit.response.json")));
        assertThat(sendWhatsapp(Fixtures.ANNA, "131056").json().path("error").path("code").asText()).isEqualTo("131056");

        TWILIO.respond(req -> FakeProvider.Response.of(401, "{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}"));
        assertThat(sendSms(Fixtures.ANNA, "20003").json().path("error").path("code").asText()).isEqualTo("20003");
        TWILIO.respond(req -> FakeProvider.Response.of(429, "{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":429}"));
        Http.Response limited = sendSms(Fixtures.ANNA, "20429");
        assertThat(limited.json().path("error").path("code").asText()).isEqualTo("20429");
        assertThat(TWILIO.requests()).hasSize(2);

        assertThat(jdbc.queryForList("select error_code from message where direction = 'outbound' order by id", String.class))
                .containsExactly("190", "131056", "20003", "20429");
    }

    @Test
    void twilio429And503AreNotRetriedByTheHttpClientEither() {
        TWILIO.respond(req -> FakeProvider.Response.of(503, "{\"code\":20503,\"message\":\"Unavailable\",\"status\":503}"));
        assertThat(sendSms(Fixtures.ANNA, "503").json().path("error").path("code").asText()).isEqualTo("20503");
        assertThat(TWILIO.requests()).hasSize(1);
    }

    // ---- idempotency and resend ----------------------------------------------------------------------

    @Test
    void idempotencyKeyReturnsTheFirstResult() {
        String body = json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text", "Nur einmal"));
        Http.Response first = send(mueller, body, "Idempotency-Key", "erp-4711");
        Http.Response again = send(mueller, body, "Idempotency-Key", "erp-4711");

        assertThat(again.status()).isEqualTo(202);
        assertThat(again.json().path("id").asLong()).isEqualTo(first.json().path("id").asLong());
        assertThat(again.json().path("replayed").asBoolean()).isTrue();
        assertThat(twilioSends("Nur einmal")).hasSize(1);

        Http.Response other = send(mueller, json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text", "Etwas anderes")),
                "Idempotency-Key", "erp-4711");
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.code()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
    }

    @Test
    void a503AfterTheProviderCallThenARetryWithTheSameKeyReturnsTheStoredOutcomeAndSendsNothingTwice() {
        // The provider accepts, then storing its answer fails (the database refuses that one update).
        jdbc.execute("""
                create or replace function outbound_answer_lost() returns trigger language plpgsql as $$
                begin if new.provider_message_id is not null and old.provider_message_id is null then
                  raise exception 'storage lost the answer'; end if; return new; end $$""");
        jdbc.execute("create trigger outbound_answer_lost before update on message for each row "
                + "execute function outbound_answer_lost()");
        String body = json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text", "Genau einmal bitte"));
        Http.Response lost;
        try {
            lost = send(mueller, body, "Idempotency-Key", "erp-503");
        } finally {
            jdbc.execute("drop trigger outbound_answer_lost on message");
            jdbc.execute("drop function outbound_answer_lost()");
        }
        assertThat(lost.status()).isEqualTo(503);
        assertThat(lost.code()).isEqualTo("STORAGE_UNAVAILABLE");
        assertThat(twilioSends("Genau einmal bitte")).hasSize(1);

        // The ERP retries with the same key: the message the gateway stored comes back, nothing is sent again.
        Http.Response retried = send(mueller, body, "Idempotency-Key", "erp-503");
        assertThat(retried.status()).isEqualTo(202);
        assertThat(retried.json().path("replayed").asBoolean()).isTrue();
        long id = retried.json().path("id").asLong();
        assertThat(count("select count(*) from message where idempotency_key = 'erp-503'")).isEqualTo(1);
        assertThat(count("select count(*) from message where id = ? and attempted_at is not null", id)).isEqualTo(1);
        assertThat(twilioSends("Genau einmal bitte")).hasSize(1);

        // The same key in another tenant is that tenant's own request, never the first tenant's result.
        TestTenant schmidt = otherTenant();
        Http.Response theirs = send(schmidt, body, "Idempotency-Key", "erp-503");
        assertThat(theirs.status()).isEqualTo(202);
        assertThat(theirs.json().path("replayed").asBoolean()).isFalse();
        assertThat(theirs.json().path("id").asLong()).isNotEqualTo(id);
        assertThat(twilioSends("Genau einmal bitte")).hasSize(2);
    }

    @Test
    void parallelRetriesWithOneKeySendOnce() throws Exception {
        String body = json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text", "Parallel einmal"));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Http.Response>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(() -> send(mueller, body, "Idempotency-Key", "erp-parallel"));
            }
            List<Long> ids = new ArrayList<>();
            for (Future<Http.Response> f : pool.invokeAll(calls)) {
                assertThat(f.get().status()).as(f.get().toString()).isEqualTo(202);
                ids.add(f.get().json().path("id").asLong());
            }
            assertThat(ids).containsOnly(ids.get(0));
        } finally {
            pool.shutdownNow();
        }
        assertThat(twilioSends("Parallel einmal")).hasSize(1);
    }

    @Test
    void resendIsANewAttemptThroughEveryGate() {
        TWILIO.respond(req -> FakeProvider.Response.of(500, "{\"code\":20500,\"message\":\"x\",\"status\":500}"));
        long failed = sendSms(Fixtures.ANNA, "Zweiter Versuch").json().path("id").asLong();
        TWILIO.reset();

        Http.Response resent = http.post("/api/v1/messages/" + failed + "/resend", "", "Authorization", mueller.bearer());
        assertThat(resent.status()).as(resent.toString()).isEqualTo(202);
        assertThat(resent.json().path("id").asLong()).isNotEqualTo(failed);
        assertThat(resent.json().path("status").asText()).isEqualTo("sent");
        assertThat(twilioSends("Zweiter Versuch")).hasSize(1);
        assertThat(jdbc.queryForObject("select resend_of from message where id = ?", Long.class,
                resent.json().path("id").asLong())).isEqualTo(failed);

        // The gates apply again: after an opt-out the resend is refused.
        jdbc.update("insert into optout (tenant_id, channel, phone, source) select id, 'sms', ?, 'test' from tenant where slug = 'mueller'",
                Fixtures.ANNA);
        assertThat(http.post("/api/v1/messages/" + failed + "/resend", "", "Authorization", mueller.bearer()).code())
                .isEqualTo("OPTOUT_ACTIVE");
        // Another tenant cannot resend it.
        TestTenant schmidt = otherTenant();
        assertThat(http.post("/api/v1/messages/" + failed + "/resend", "", "Authorization", schmidt.bearer()).status())
                .isEqualTo(404);
    }

    // ---- request validation ------------------------------------------------------------------------

    @Test
    void badRequestsHaveStableCodes() {
        assertThat(send(mueller, "{\"channel\":\"sms\",\"to\":[\"+4917612345678\",\"+4915209876543\"],\"text\":\"x\"}").code())
                .isEqualTo("INVALID_REQUEST");
        assertThat(send(mueller, "{\"channel\":\"sms\",\"to\":\"+4917612345678\"}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(send(mueller, "{\"channel\":\"fax\",\"to\":\"+4917612345678\",\"text\":\"x\"}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(send(mueller, "{\"channel\":\"sms\",\"to\":\"hallo\",\"text\":\"x\"}").code()).isEqualTo("INVALID_PHONE");
        assertThat(send(mueller, "{\"channel\":\"sms\",\"to\":\"+4917612345678\",\"text\":\"" + "x".repeat(1601) + "\"}").code())
                .isEqualTo("INVALID_REQUEST");
        assertThat(send(mueller, "not json").code()).isEqualTo("INVALID_REQUEST");
        tenant("leer");
        Http.Response none = send(new TestTenant("leer", apiKey("leer", List.of("messaging:send"))),
                "{\"channel\":\"sms\",\"to\":\"+4917612345678\",\"text\":\"x\"}");
        assertThat(none.status()).isEqualTo(409);
        assertThat(none.code()).isEqualTo("CHANNEL_NOT_CONFIGURED");
        assertThat(TWILIO.requests()).isEmpty();
    }

    private JsonNode readJson(String s) {
        try {
            return mapper.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sandboxChannelsCannotBeCreatedOrUsedWhileTheSandboxIsOff() {
        Http.Response refused = http.post("/admin/v1/tenants/mueller/channels",
                "{\"channel\":\"sms\",\"phoneNumber\":\"+4930555555\",\"sandbox\":true}", admin());
        assertThat(refused.status()).isEqualTo(400);
        // A sandbox channel left in the database never falls through to the real provider.
        jdbc.update("update channel set sandbox = true where channel = 'sms'");
        channelDirectory.refresh();
        Http.Response r = sendSms(Fixtures.ANNA, "Sandbox aus");
        assertThat(r.json().path("error").path("code").asText()).isEqualTo("CHANNEL_NOT_CONFIGURED");
        assertThat(TWILIO.requests()).isEmpty();
    }

    @org.springframework.beans.factory.annotation.Autowired
    OutboundStore outboundStore;

    private long queuedMessage(String phone, String minutesAgo, boolean attempted) {
        long tenant = jdbc.queryForObject("select id from tenant where slug = 'mueller'", Long.class);
        long conversation = jdbc.queryForObject("insert into conversation (tenant_id, channel, phone) values (?, 'sms', ?) "
                + "on conflict (tenant_id, phone, channel) do update set phone = excluded.phone returning id", Long.class, tenant, phone);
        return jdbc.queryForObject("insert into message (tenant_id, conversation_id, channel, direction, type, text, "
                + "recipient, status, status_rank, created_at, attempted_at) values (?, ?, 'sms', 'outbound', 'text', 'x', ?, "
                + "'queued', 10, now() - (? || ' minutes')::interval, " + (attempted ? "now()" : "null") + ") returning id",
                Long.class, tenant, conversation, phone, minutesAgo);
    }

    @Test
    void aStopCommittedAfterTheFilterStillStopsTheSendAtItsClaim() {
        long id = queuedMessage(Fixtures.JONAS, "0", false);
        jdbc.update("insert into optout (tenant_id, channel, phone, source) select id, 'sms', ?, 'keyword:STOP' "
                + "from tenant where slug = 'mueller'", Fixtures.JONAS);
        long tenant = jdbc.queryForObject("select id from tenant where slug = 'mueller'", Long.class);
        long conversation = jdbc.queryForObject("select conversation_id from message where id = ?", Long.class, id);
        OutboundMessage m = new OutboundMessage(id, tenant, "mueller", de.inboxgateway.support.Channel.SMS,
                jdbc.queryForObject("select id from channel where channel = 'sms'", Long.class), conversation, Fixtures.JONAS,
                "x", OutboundMessage.KIND_MESSAGE, "test", null, null, null, null, null, null);

        // The claim step as the outbound route runs it: bound to the message's tenant.
        assertThat(de.inboxgateway.access.TenantScope.as(tenant, () -> outboundStore.claim(m))).isFalse();

        assertThat(jdbc.queryForMap("select status, error_code, attempted_at from message where id = ?", id))
                .containsEntry("status", "failed").containsEntry("error_code", "OPTOUT_ACTIVE").containsEntry("attempted_at", null);
        assertThat(TWILIO.requests()).isEmpty();
    }

    @Test
    void messagesStuckInQueuedAreMarkedFailedNeverSentLate() {
        long neverAttempted = queuedMessage(Fixtures.ANNA, "10", false);
        long resultLost = queuedMessage(Fixtures.JONAS, "10", true);
        long fresh = queuedMessage("+4915200000001", "0", false);

        assertThat(outboundStore.failStuck()).isEqualTo(2);

        assertThat(jdbc.queryForMap("select status, error_code from message where id = ?", neverAttempted))
                .containsEntry("status", "failed").containsEntry("error_code", "NOT_ATTEMPTED");
        assertThat(jdbc.queryForMap("select status, error_code from message where id = ?", resultLost))
                .containsEntry("status", "failed").containsEntry("error_code", "OUTCOME_UNKNOWN");
        assertThat(jdbc.queryForObject("select status from message where id = ?", String.class, fresh)).isEqualTo("queued");
        assertThat(count("select count(*) from tenant_event where type = 'messaging.status'")).isEqualTo(2);
        assertThat(TWILIO.requests()).isEmpty();
    }
}
