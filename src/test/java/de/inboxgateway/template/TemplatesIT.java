package de.inboxgateway.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/**
 * WhatsApp templates end to end against a loopback Graph API: the two-page template list, the status
 * webhook, and template sends outside the 24 h window with every check before Meta sees anything.
 */
class TemplatesIT extends GatewayTest {

    static final String WABA = "102290129340398";
    private TestTenant mueller;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
        long channel = count("select id from channel where channel = 'whatsapp'");
        Http.Response r = http.patch("/admin/v1/tenants/mueller/channels/" + channel, "{\"wabaId\":\"" + WABA + "\"}", admin());
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("wabaId").asText()).isEqualTo(WABA);
        GRAPH.respond(this::graph);
    }

    /** Meta's list in two pages; sends answered as usual. */
    private FakeProvider.Response graph(FakeProvider.Request req) {
        if (req.path().endsWith("/" + WABA + "/message_templates")) {
            boolean second = req.query() != null && req.query().contains("after=MQZDZD");
            return FakeProvider.Response.of(200, Fixtures.text("whatsapp/templates/list-page-" + (second ? 2 : 1) + ".json"));
        }
        return FakeProvider.Response.of(200, "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"wamid.T"
                + System.nanoTime() + "\"}]}");
    }

    private Http.Response sync() {
        return http.post("/api/v1/templates/sync", "", "Authorization", mueller.bearer());
    }

    private Http.Response send(String json) {
        return http.post("/api/v1/messages", json, "Authorization", mueller.bearer(), "Content-Type", "application/json");
    }

    private static final String WARTUNG = """
            {"channel":"whatsapp","to":"+4915209876543","template":{"name":"wartung_ankuendigung","language":"de",
             "parameters":{"header":["14.04.2026"],"body":["Frau Schmidt","14.04.2026","08:00","12:00","Lindenstraße 12"]}}}""";

    private List<FakeProvider.Request> templateSends() {
        return GRAPH.requests().stream().filter(r -> r.body().contains("\"type\":\"template\"")).toList();
    }

    @Test
    void syncReadsEveryPageWithTheChannelsTokenAndStoresEveryTemplate() {
        Http.Response r = sync();
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("items").findValuesAsText("name"))
                .containsExactly("reparatur_termin", "wartung_ankuendigung", "wasser_abstellung", "zaehlerablesung");
        List<FakeProvider.Request> lists = GRAPH.requests().stream().filter(q -> q.path().endsWith("/message_templates")).toList();
        assertThat(lists).hasSize(2);
        assertThat(lists.get(0).method()).isEqualTo("GET");
        assertThat(lists.get(0).header("Authorization")).isEqualTo("Bearer access-mueller");
        assertThat(lists.get(0).query()).contains("limit=100").contains("fields=").doesNotContain("after=");
        assertThat(lists.get(1).query()).contains("after=MQZDZD");

        JsonNode wartung = r.json().path("items").get(1);
        assertThat(wartung.path("language").asText()).isEqualTo("de");
        assertThat(wartung.path("status").asText()).isEqualTo("APPROVED");
        assertThat(wartung.path("category").asText()).isEqualTo("UTILITY");
        assertThat(wartung.path("components").get(1).path("text").asText()).startsWith("Guten Tag {{1}},");

        Http.Response approved = api(mueller, "/api/v1/templates?status=APPROVED");
        assertThat(approved.json().path("items").findValuesAsText("name"))
                .containsExactly("reparatur_termin", "wartung_ankuendigung", "wasser_abstellung");

        // a template Meta no longer lists is gone here too
        GRAPH.respond(req -> req.path().endsWith("/message_templates") ? FakeProvider.Response.of(200,
                Fixtures.text("whatsapp/templates/list-page-2.json")) : graph(req));
        assertThat(sync().json().path("items").findValuesAsText("name")).containsExactly("wasser_abstellung", "zaehlerablesung");
    }

    @Test
    void withoutAnAccountThereIsNothingToSyncAndARefusalStoresNothing() {
        TestTenant schmidt = otherTenant();
        Http.Response none = http.post("/api/v1/templates/sync", "", "Authorization", schmidt.bearer());
        assertThat(none.status()).isEqualTo(409);
        assertThat(none.code()).isEqualTo("CHANNEL_NOT_CONFIGURED");
        assertThat(api(schmidt, "/api/v1/templates").json().path("items")).isEmpty();

        GRAPH.respond(req -> FakeProvider.Response.of(401, "{\"error\":{\"message\":\"Invalid OAuth access token.\","
                + "\"type\":\"OAuthException\",\"code\":190}}"));
        Http.Response refused = sync();
        assertThat(refused.status()).isEqualTo(502);
        assertThat(refused.code()).isEqualTo("PROVIDER_ERROR");
        assertThat(refused.json().path("message").asText()).contains("190");
        assertThat(count("select count(*) from template")).isZero();

        TestTenant readOnly = new TestTenant("mueller", apiKey("mueller", List.of("messaging:read")));
        assertThat(http.post("/api/v1/templates/sync", "", "Authorization", readOnly.bearer()).status()).isEqualTo(403);
        // the account belongs to mueller: no other tenant can claim it
        long other = count("select id from channel where channel = 'whatsapp' and phone_number_id = ?", OTHER_PHONE_NUMBER_ID);
        assertThat(http.patch("/admin/v1/tenants/schmidt/channels/" + other, "{\"wabaId\":\"" + WABA + "\"}", admin())
                .code()).isEqualTo("ALREADY_EXISTS");
    }

    @Test
    void twoTenantsClaimingOneAccountAtOnceTheDatabaseGivesItToOne() throws Exception {
        otherTenant();
        long muellers = count("select id from channel where channel = 'whatsapp' and tenant_id = "
                + "(select id from tenant where slug = 'mueller')");
        long schmidts = count("select id from channel where channel = 'whatsapp' and phone_number_id = ?", OTHER_PHONE_NUMBER_ID);
        String account = "777000111";
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(() -> http.patch("/admin/v1/tenants/mueller/channels/" + muellers,
                    "{\"wabaId\":\"" + account + "\"}", admin()).status());
            var b = pool.submit(() -> http.patch("/admin/v1/tenants/schmidt/channels/" + schmidts,
                    "{\"wabaId\":\"" + account + "\"}", admin()).status());
            assertThat(List.of(a.get(), b.get())).containsExactlyInAnyOrder(200, 409);
        } finally {
            pool.shutdown();
        }
        assertThat(count("select count(distinct tenant_id) from channel where waba_id = ?", account)).isEqualTo(1);
        // given up by its tenant, the account is free for the other
        String holder = jdbc.queryForObject("select t.slug from channel c join tenant t on t.id = c.tenant_id "
                + "where c.waba_id = ?", String.class, account);
        String other = "mueller".equals(holder) ? "schmidt" : "mueller";
        long holderChannel = "mueller".equals(holder) ? muellers : schmidts;
        long otherChannel = "mueller".equals(holder) ? schmidts : muellers;
        assertThat(http.patch("/admin/v1/tenants/" + holder + "/channels/" + holderChannel, "{\"wabaId\":null}", admin())
                .status()).isEqualTo(200);
        assertThat(http.patch("/admin/v1/tenants/" + other + "/channels/" + otherChannel, "{\"wabaId\":\"" + account
                + "\"}", admin()).status()).isEqualTo(200);
    }

    private String statusWebhook(String wabaId, String name, String language, String event) {
        return "{\"entry\":[{\"id\":\"" + wabaId + "\",\"time\":1751247548,\"changes\":[{\"value\":{\"event\":\"" + event
                + "\",\"message_template_id\":1283746501928374,\"message_template_name\":\"" + name + "\","
                + "\"message_template_language\":\"" + language + "\",\"reason\":\"NONE\",\"message_template_category\":\"UTILITY\"},"
                + "\"field\":\"message_template_status_update\"}]}],\"object\":\"whatsapp_business_account\"}";
    }

    @Test
    void theStatusWebhookMovesTheStoredTemplateAndTellsTheFeed() throws Exception {
        sync();
        Http.Response r = postWhatsappSigned(statusWebhook(WABA, "wartung_ankuendigung", "de", "PAUSED"), Fixtures.APP_SECRET);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select status from template where name = 'wartung_ankuendigung'", String.class))
                .isEqualTo("PAUSED");
        JsonNode event = mapper.readTree(jdbc.queryForObject(
                "select payload::text from tenant_event where type = 'template.status'", String.class));
        assertThat(event.path("name").asText()).isEqualTo("wartung_ankuendigung");
        assertThat(event.path("language").asText()).isEqualTo("de");
        assertThat(event.path("status").asText()).isEqualTo("PAUSED");

        Http.Response paused = send(WARTUNG);
        assertThat(paused.status()).isEqualTo(409);
        assertThat(paused.code()).isEqualTo("TEMPLATE_NOT_APPROVED");

        // approved again: it can be sent again
        assertThat(postWhatsappSigned(statusWebhook(WABA, "wartung_ankuendigung", "de", "APPROVED"), Fixtures.APP_SECRET)
                .status()).isEqualTo(200);
        assertThat(send(WARTUNG).status()).isEqualTo(202);

        // signed with another secret, or for an account nobody has: refused like any forged webhook
        assertThat(postWhatsappSigned(statusWebhook(WABA, "wartung_ankuendigung", "de", "DISABLED"), OTHER_APP_SECRET)
                .status()).isEqualTo(401);
        assertThat(postWhatsappSigned(statusWebhook("999", "wartung_ankuendigung", "de", "DISABLED"), Fixtures.APP_SECRET)
                .status()).isEqualTo(401);
        assertThat(jdbc.queryForObject("select status from template where name = 'wartung_ankuendigung'", String.class))
                .isEqualTo("APPROVED");
    }

    @Test
    void aStatusWebhookThatArrivesDuringASyncIsNotOverwrittenByTheOlderList() {
        sync();
        // Meta pauses the template while the next sync is between its two pages
        GRAPH.respond(req -> {
            if (req.path().endsWith("/message_templates") && req.query() != null && req.query().contains("after=")) {
                assertThat(postWhatsappSigned(statusWebhook(WABA, "wartung_ankuendigung", "de", "PAUSED"),
                        Fixtures.APP_SECRET).status()).isEqualTo(200);
            }
            return graph(req);
        });
        assertThat(sync().status()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select status from template where name = 'wartung_ankuendigung'", String.class))
                .isEqualTo("PAUSED");
        assertThat(send(WARTUNG).code()).isEqualTo("TEMPLATE_NOT_APPROVED");
    }

    @Test
    void eventsThatAreNoStatusLeaveTheTemplateSendableAndReinstatedApprovesIt() throws Exception {
        sync();
        assertThat(postWhatsappSigned(statusWebhook(WABA, "wartung_ankuendigung", "de", "FLAGGED"), Fixtures.APP_SECRET)
                .status()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select status from template where name = 'wartung_ankuendigung'", String.class))
                .isEqualTo("APPROVED");
        JsonNode flagged = mapper.readTree(jdbc.queryForObject(
                "select payload::text from tenant_event where type = 'template.status' order by id desc limit 1", String.class));
        assertThat(flagged.path("event").asText()).isEqualTo("FLAGGED");
        assertThat(flagged.path("status").asText()).isEqualTo("APPROVED");
        assertThat(send(WARTUNG).status()).isEqualTo(202);

        postWhatsappSigned(statusWebhook(WABA, "wartung_ankuendigung", "de", "DISABLED"), Fixtures.APP_SECRET);
        postWhatsappSigned(statusWebhook(WABA, "wartung_ankuendigung", "de", "REINSTATED"), Fixtures.APP_SECRET);
        assertThat(jdbc.queryForObject("select status from template where name = 'wartung_ankuendigung'", String.class))
                .isEqualTo("APPROVED");

        // a quality update under the old field name carries no event: kept aside, the status stays
        String quality = statusWebhook(WABA, "wartung_ankuendigung", "de", "PAUSED")
                .replace("\"event\":\"PAUSED\",", "\"previous_quality_score\":\"GREEN\",\"new_quality_score\":\"YELLOW\",");
        assertThat(postWhatsappSigned(quality, Fixtures.APP_SECRET).status()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select status from template where name = 'wartung_ankuendigung'", String.class))
                .isEqualTo("APPROVED");
        assertThat(count("select count(*) from unrecognized_item")).isEqualTo(1);

        // an account no channel names any more lists nothing
        long channel = count("select id from channel where channel = 'whatsapp'");
        assertThat(http.patch("/admin/v1/tenants/mueller/channels/" + channel, "{\"wabaId\":null}", admin()).status())
                .isEqualTo(200);
        assertThat(api(mueller, "/api/v1/templates").json().path("items")).isEmpty();
    }

    @Test
    void aTemplateGoesOutOutsideTheWindowAndOpensNothing() {
        sync();
        Http.Response text = send("{\"channel\":\"whatsapp\",\"to\":\"+4915209876543\",\"text\":\"Hallo\"}");
        assertThat(text.code()).isEqualTo("WHATSAPP_WINDOW_CLOSED");

        Http.Response r = send(WARTUNG);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        assertThat(r.json().path("status").asText()).isEqualTo("sent");
        List<FakeProvider.Request> sends = templateSends();
        assertThat(sends).hasSize(1);
        JsonNode body = json(sends.get(0).body(), JsonNode.class);
        assertThat(body.path("to").asText()).isEqualTo("+4915209876543");
        assertThat(body.path("template").path("name").asText()).isEqualTo("wartung_ankuendigung");
        assertThat(body.path("template").path("language").path("code").asText()).isEqualTo("de");
        assertThat(body.path("template").path("components").get(1).path("parameters").get(4).path("text").asText())
                .isEqualTo("Lindenstraße 12");

        long id = r.json().path("id").asLong();
        JsonNode stored = api(mueller, "/api/v1/messages/" + id).json();
        assertThat(stored.path("type").asText()).isEqualTo("template");
        assertThat(stored.path("text").asText()).startsWith("Guten Tag Frau Schmidt,\n\nam 14.04.2026 finden zwischen 08:00 und 12:00");
        assertThat(stored.path("data").path("template").path("name").asText()).isEqualTo("wartung_ankuendigung");

        // the window stays measured from the resident's last message: still closed for free text
        assertThat(send("{\"channel\":\"whatsapp\",\"to\":\"+4915209876543\",\"text\":\"Hallo\"}").code())
                .isEqualTo("WHATSAPP_WINDOW_CLOSED");
        assertThat(jdbc.queryForObject("select last_inbound_at from conversation where phone = '+4915209876543'",
                java.sql.Timestamp.class)).isNull();

        // a resend goes out as the same template
        Http.Response again = http.post("/api/v1/messages/" + id + "/resend", "", "Authorization", mueller.bearer());
        assertThat(again.status()).as(again.toString()).isEqualTo(202);
        assertThat(templateSends()).hasSize(2);
        assertThat(json(templateSends().get(1).body(), JsonNode.class)).isEqualTo(body); // the same JSON (jsonb orders keys)
    }

    @Test
    void everyTemplateErrorIsClearAndNothingReachesMeta() {
        sync();
        assertError(send(WARTUNG.replace("wartung_ankuendigung", "gibt_es_nicht")), 404, "TEMPLATE_NOT_FOUND");
        assertError(send(WARTUNG.replace("\"language\":\"de\"", "\"language\":\"en_US\"")), 404, "TEMPLATE_NOT_FOUND");
        assertError(send("""
                {"channel":"whatsapp","to":"+4915209876543","template":{"name":"zaehlerablesung","language":"de",
                 "parameters":{"body":["Frau Schmidt","02.05.2026"]}}}"""), 409, "TEMPLATE_NOT_APPROVED");
        Http.Response count = send(WARTUNG.replace("\"Frau Schmidt\",", ""));
        assertError(count, 400, "TEMPLATE_PARAMETERS_INVALID");
        assertThat(count.json().path("message").asText()).contains("body").contains("takes 5 parameters, got 4");
        assertError(send(WARTUNG.replace("\"header\":[\"14.04.2026\"],", "")), 400, "TEMPLATE_PARAMETERS_INVALID");
        assertError(send(WARTUNG.replace("\"channel\":\"whatsapp\"", "\"channel\":\"sms\"")), 400, "INVALID_REQUEST");
        assertError(send(WARTUNG.replace("\"template\":", "\"text\":\"x\",\"template\":")), 400, "INVALID_REQUEST");

        // the opt-out gate applies to templates as to everything
        assertThat(postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4915209876543", "wamid.stop-t",
                Instant.now().getEpochSecond(), "STOP"), Fixtures.APP_SECRET).status()).isEqualTo(200);
        assertError(send(WARTUNG), 409, "OPTOUT_ACTIVE");
        assertThat(templateSends()).isEmpty();
    }

    private <T> T json(String body, Class<T> type) {
        try {
            return mapper.readValue(body, type);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertError(Http.Response r, int status, String code) {
        assertThat(r.status()).as(r.toString()).isEqualTo(status);
        assertThat(r.code()).as(r.toString()).isEqualTo(code);
    }

    @Test
    void metasTemplateErrorsGetClearReasons() {
        sync();
        for (Map.Entry<String, String> e : Map.of("132001", "TEMPLATE_NOT_FOUND", "132015", "TEMPLATE_PAUSED",
                "132000", "TEMPLATE_PARAMETERS_INVALID", "132016", "TEMPLATE_DISABLED").entrySet()) {
            GRAPH.respond(req -> req.path().endsWith("/messages") ? FakeProvider.Response.of(400, "{\"error\":{\"message\":"
                    + "\"(#" + e.getKey() + ") refused\",\"type\":\"OAuthException\",\"code\":" + e.getKey() + "}}") : graph(req));
            Http.Response r = send(WARTUNG);
            assertThat(r.status()).as(r.toString()).isEqualTo(202);
            assertThat(r.json().path("status").asText()).isEqualTo("failed");
            assertThat(r.json().path("error").path("code").asText()).isEqualTo(e.getKey());
            assertThat(r.json().path("error").path("reason").asText()).isEqualTo(e.getValue());
        }
    }
}
