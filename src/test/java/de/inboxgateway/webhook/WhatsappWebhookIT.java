package de.inboxgateway.webhook;

import de.inboxgateway.channel.whatsapp.HubSignature;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/** Meta's webhook through HTTP, the real routes and PostgreSQL. */
class WhatsappWebhookIT extends GatewayTest {

    @org.springframework.beans.factory.annotation.Autowired
    RejectedWebhooks rejected;

    private TestTenant mueller;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
    }

    private Map<String, Object> messageRow(String wamid) {
        return jdbc.queryForMap("select m.*, m.media::text as media_json, m.data::text as data_json, c.phone as conv_phone, "
                + "c.last_inbound_at from message m join conversation c on c.id = m.conversation_id "
                + "where m.provider_message_id = ?", wamid);
    }

    private static String wamid(String fixture, int index) {
        return Fixtures.json(fixture).at("/entry/0/changes/0/value/messages/" + index + "/id").asText();
    }

    @Test
    void textMessageIsThreadedWithItsDecodedNonAsciiTextAndProviderTime() {
        Http.Response r = postWhatsappFixture("whatsapp/text-message.json");

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        Map<String, Object> row = messageRow(wamid("whatsapp/text-message.json", 0));
        // The wire form escapes ß and ü as \u00df and \u00fc: stored is the decoded text.
        assertThat(row.get("text")).isEqualTo("Guten Tag, die Heizung in Wohnung 3 (Lindenstraße 12) ist seit heute "
                + "früh ausgefallen. Können Sie bitte jemanden schicken?");
        assertThat(row.get("direction")).isEqualTo("inbound");
        assertThat(row.get("type")).isEqualTo("text");
        assertThat(row.get("sender")).isEqualTo(Fixtures.ANNA);
        assertThat(row.get("recipient")).isEqualTo(Fixtures.DISPLAY_NUMBER);
        assertThat(row.get("profile_name")).isEqualTo("Anna Schmidt");
        assertThat(row.get("conv_phone")).isEqualTo(Fixtures.ANNA);
        assertThat(row.get("provider_timestamp").toString()).startsWith("2026-03-02");
        assertThat(((java.sql.Timestamp) row.get("last_inbound_at")).toInstant().getEpochSecond()).isEqualTo(1772445600L);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text-message", "image-message", "document-message", "audio-voice-message",
            "location-message", "interactive-button-reply", "button-quick-reply", "reaction-message",
            "unsupported-message", "batch-two-messages", "batch-message-and-status-two-changes",
            "status-sent", "status-delivered", "status-read", "status-failed"})
    void everyFixtureIsAcceptedAndEveryItemKept(String name) {
        String path = "whatsapp/" + name + ".json";
        JsonNode body = Fixtures.json(path);
        int messages = 0;
        int statuses = 0;
        for (JsonNode entry : body.path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                messages += change.path("value").path("messages").size();
                statuses += change.path("value").path("statuses").size();
            }
        }

        Http.Response r = postWhatsappFixture(path);

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("items").asInt()).isEqualTo(messages + statuses);
        assertThat(count("select count(*) from message where direction = 'inbound'")).isEqualTo(messages);
        assertThat(count("select count(*) from message_status_event")).isEqualTo(statuses);
        assertThat(count("select count(*) from unrecognized_item")).isZero();
    }

    @Test
    void typesBeyondTextKeepTheirData() {
        for (String f : List.of("image-message", "document-message", "audio-voice-message", "location-message",
                "interactive-button-reply", "button-quick-reply", "reaction-message", "unsupported-message")) {
            assertThat(postWhatsappFixture("whatsapp/" + f + ".json").status()).isEqualTo(200);
        }
        Map<String, Object> image = messageRow(wamid("whatsapp/image-message.json", 0));
        assertThat(image.get("type")).isEqualTo("image");
        assertThat(image.get("text")).isEqualTo("Wasserfleck an der Badezimmerdecke");
        assertThat((String) image.get("media_json")).contains("\"id\": \"1187345620098817\"", "\"mimeType\": \"image/jpeg\"");

        Map<String, Object> document = messageRow(wamid("whatsapp/document-message.json", 0));
        assertThat((String) document.get("media_json")).contains("Nebenkostenabrechnung_2025.pdf", "application/pdf");

        Map<String, Object> audio = messageRow(wamid("whatsapp/audio-voice-message.json", 0));
        assertThat((String) audio.get("media_json")).contains("\"voice\": true");

        Map<String, Object> location = messageRow(wamid("whatsapp/location-message.json", 0));
        assertThat(location.get("text")).isEqualTo("Lindenstraße 12");
        assertThat((String) location.get("data_json")).contains("52.5306", "13.4012");

        Map<String, Object> interactive = messageRow(wamid("whatsapp/interactive-button-reply.json", 0));
        assertThat(interactive.get("text")).isEqualTo("Vormittag passt");
        assertThat(interactive.get("reply_to")).isEqualTo("wamid.HBgNNDkxNzYxMjM0NTY3OBUCABEYEkY2OTY1RjRBQTQ0M0U0RTE4NwA=");
        assertThat((String) interactive.get("data_json")).contains("termin_vormittag");

        Map<String, Object> button = messageRow(wamid("whatsapp/button-quick-reply.json", 0));
        assertThat(button.get("text")).isEqualTo("Ja, passt");
        assertThat((String) button.get("data_json")).contains("ZAEHLERSTAND_OK");

        Map<String, Object> reaction = messageRow(wamid("whatsapp/reaction-message.json", 0));
        assertThat(reaction.get("text")).isEqualTo("\uD83D\uDC4D");
        assertThat(reaction.get("reply_to")).isEqualTo("wamid.HBgNNDkxNzYxMjM0NTY3OBUCABEYEkY2OTY1RjRBQTQ0M0U0RTE4NwA=");

        Map<String, Object> unsupported = messageRow(wamid("whatsapp/unsupported-message.json", 0));
        assertThat(unsupported.get("type")).isEqualTo("unsupported");
        assertThat((String) unsupported.get("data_json")).contains("131051", "poll_creation");
    }

    @Test
    void everyMessageOfABatchIsStoredInOneConversation() {
        assertThat(postWhatsappFixture("whatsapp/batch-two-messages.json").status()).isEqualTo(200);

        assertThat(count("select count(*) from message")).isEqualTo(2);
        assertThat(count("select count(*) from conversation")).isEqualTo(1);
        assertThat(count("select count(distinct conversation_id) from message")).isEqualTo(1);
    }

    @Test
    void messageAndStatusInTwoChangesAreBothProcessed() {
        assertThat(postWhatsappFixture("whatsapp/batch-message-and-status-two-changes.json").status()).isEqualTo(200);

        assertThat(count("select count(*) from message where sender = ?", Fixtures.JONAS)).isEqualTo(1);
        assertThat(count("select count(*) from message_status_event where status = 'delivered'")).isEqualTo(1);
    }

    @Test
    void reDeliveryStoresNothingTwice() {
        for (int i = 0; i < 3; i++) {
            assertThat(postWhatsappFixture("whatsapp/batch-two-messages.json").status()).isEqualTo(200);
            assertThat(postWhatsappFixture("whatsapp/status-read.json").status()).isEqualTo(200);
        }

        assertThat(count("select count(*) from message")).isEqualTo(2);
        assertThat(count("select count(*) from conversation")).isEqualTo(1);
        assertThat(count("select count(*) from message_status_event")).isEqualTo(1);
    }

    @Test
    void forgedSignatureIsRejectedAuditedAndNothingStored() {
        byte[] body = Fixtures.bytes("whatsapp/text-message.json");
        Http.Response r = postWhatsapp(body, HubSignature.sign("not-the-app-secret", body));

        assertThat(r.status()).isEqualTo(401);
        assertThat(r.code()).isEqualTo("SIGNATURE_INVALID");
        assertThat(r.body()).doesNotContain("app secret"); // the reason is for the audit trail only
        assertThat(count("select count(*) from message")).isZero();
        assertThat(count("select count(*) from conversation")).isZero();
        Map<String, Object> audit = jdbc.queryForMap("select * from audit_entry where type = 'webhook.signature-invalid'");
        assertThat(audit.get("channel")).isEqualTo("whatsapp");
        assertThat(audit.get("source_address")).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(audit.get("detail").toString()).contains("phone_number_id " + Fixtures.PHONE_NUMBER_ID);
        assertThat(audit.get("tenant_id")).isNotNull();
    }

    @Test
    void signatureOverReEncodedJsonDoesNotVerify() {
        // What a framework that parses and re-serializes would sign: raw UTF-8 instead of escaped sequences.
        String escaped = Fixtures.text("whatsapp/text-message.json");
        String reEncoded = escaped.replace("\\u00df", "ß").replace("\\u00fc", "ü").replace("\\u00f6", "ö");
        assertThat(reEncoded).isNotEqualTo(escaped);

        Http.Response r = postWhatsapp(reEncoded.getBytes(StandardCharsets.UTF_8), Fixtures.hubSignature("whatsapp/text-message.json"));

        assertThat(r.status()).isEqualTo(401);
    }

    @Test
    void missingOrMalformedSignatureIsRejected() {
        byte[] body = Fixtures.bytes("whatsapp/text-message.json");
        assertThat(postWhatsapp(body, null).code()).isEqualTo("SIGNATURE_INVALID");
        assertThat(postWhatsapp(body, "sha256=zz").status()).isEqualTo(401);
        assertThat(postWhatsapp(body, "sha1=abc").status()).isEqualTo(401);
        assertThat(postWhatsapp(body, "").status()).isEqualTo(401);
        assertThat(count("select count(*) from message")).isZero();
        // One entry per source, claimed tenant and minute (unsigned: no tenant; badly signed: mueller's)…
        assertThat(count("select count(*) from audit_entry where type = 'webhook.signature-invalid'")).isEqualTo(2);
        clock.set(java.time.Instant.now().plus(java.time.Duration.ofMinutes(2)));
        rejected.flush();
        // …and the rest counted once the minute is over.
        assertThat(count("select sum((detail ->> 'count')::int) from audit_entry "
                + "where type = 'webhook.signature-invalid.repeated'")).isEqualTo(2);
    }

    @Test
    void anotherTenantsSecretNeverValidates() {
        TestTenant schmidt = otherTenant();
        // Mueller's number, signed with Schmidt's app secret: a tenant cannot inject into another.
        String intoMueller = whatsappText(Fixtures.PHONE_NUMBER_ID, "4917611111111", "wamid.cross-1", 1772445600L, "hallo");
        assertThat(postWhatsappSigned(intoMueller, OTHER_APP_SECRET).status()).isEqualTo(401);
        // A batch naming both tenants' numbers can only be signed by one of them.
        String both = Fixtures.text("whatsapp/batch-message-and-status-two-changes.json")
                .replaceFirst(Fixtures.PHONE_NUMBER_ID, OTHER_PHONE_NUMBER_ID);
        assertThat(postWhatsappSigned(both, OTHER_APP_SECRET).status()).isEqualTo(401);
        assertThat(postWhatsappSigned(both, Fixtures.APP_SECRET).status()).isEqualTo(401);
        assertThat(count("select count(*) from message")).isZero();

        String intoSchmidt = whatsappText(OTHER_PHONE_NUMBER_ID, "4917611111111", "wamid.own-1", 1772445600L, "hallo");
        assertThat(postWhatsappSigned(intoSchmidt, OTHER_APP_SECRET).status()).isEqualTo(200);
        assertThat(count("select count(*) from message m join tenant t on t.id = m.tenant_id where t.slug = 'schmidt'"))
                .isEqualTo(1);
        assertThat(api(mueller, "/api/v1/conversations").json().path("items")).isEmpty();
        assertThat(api(schmidt, "/api/v1/conversations").json().path("items")).hasSize(1);
    }

    @Test
    void unknownNumberIsRejected() {
        String body = whatsappText("999999999999999", "4917611111111", "wamid.unknown-1", 1772445600L, "hallo");
        assertThat(postWhatsappSigned(body, Fixtures.APP_SECRET).status()).isEqualTo(401);
        assertThat(postWhatsappSigned("{\"object\":\"whatsapp_business_account\",\"entry\":[]}", Fixtures.APP_SECRET)
                .status()).isEqualTo(401);
    }

    @Test
    void anUnknownNumberBesideAKnownOneIsKeptAsideNotFailingTheBatch() {
        // The same Meta app also serves a number this gateway does not know: its change travels in the
        // same signed body. Refusing the body would refuse the known number's message too, again and
        // again, until Meta disables the webhook.
        String body = Fixtures.text("whatsapp/batch-message-and-status-two-changes.json")
                .replaceFirst(Fixtures.PHONE_NUMBER_ID, "999999999999999");
        assertThat(postWhatsappSigned(body, Fixtures.APP_SECRET).status()).isEqualTo(200);
        assertThat(count("select count(*) from message")).isZero(); // the message was to the unknown number
        assertThat(count("select count(*) from unrecognized_item u join tenant t on t.id = u.tenant_id "
                + "where t.slug = 'mueller' and u.kind = 'change-for-unknown-number' "
                + "and u.payload -> 'value' -> 'metadata' ->> 'phone_number_id' = '999999999999999'")).isEqualTo(1);
        assertThat(count("select count(*) from audit_entry where type = 'webhook.signature-invalid'")).isZero();
        // Re-delivered, it is kept once; and the known number's own message in such a body is stored.
        assertThat(postWhatsappSigned(body, Fixtures.APP_SECRET).status()).isEqualTo(200);
        assertThat(count("select count(*) from unrecognized_item where kind = 'change-for-unknown-number'")).isEqualTo(1);
        String reversed = Fixtures.text("whatsapp/batch-message-and-status-two-changes.json")
                .replaceFirst("(?s)(.*)" + Fixtures.PHONE_NUMBER_ID, "$1999999999999999");
        assertThat(postWhatsappSigned(reversed, Fixtures.APP_SECRET).status()).isEqualTo(200);
        assertThat(count("select count(*) from message")).isEqualTo(1);
        // Signed with a secret that fits no known number, it is still refused.
        assertThat(postWhatsappSigned(body, "guess").status()).isEqualTo(401);
    }

    @Test
    void unreadableBodyIs400() {
        Http.Response r = postWhatsappSigned("{not json", Fixtures.APP_SECRET);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("INVALID_REQUEST");
        assertThat(postWhatsappSigned("[1,2]", Fixtures.APP_SECRET).status()).isEqualTo(400);
    }

    @Test
    void deeplyNestedOrWronglyTypedBodiesAre400Or200NeverAnError() {
        String deep = "[".repeat(5000) + "]".repeat(5000);
        String nested = "{\"object\":\"whatsapp_business_account\",\"entry\":" + deep + "}";
        Http.Response tooDeep = postWhatsappSigned(nested, Fixtures.APP_SECRET);
        assertThat(tooDeep.status()).isEqualTo(400);
        assertThat(tooDeep.code()).isEqualTo("INVALID_REQUEST");
        // Wrong types where arrays and objects belong: nothing to verify against, or nothing usable.
        assertThat(postWhatsappSigned("{\"entry\":\"x\"}", Fixtures.APP_SECRET).status()).isEqualTo(401);
        String typed = Fixtures.text("whatsapp/text-message.json").replace("\"messages\":[", "\"messages\":[17,\"x\",null,");
        assertThat(postWhatsappSigned(typed, Fixtures.APP_SECRET).status()).isEqualTo(200);
        assertThat(count("select count(*) from message")).isEqualTo(1);
        assertThat(count("select count(*) from unrecognized_item")).isEqualTo(3);
    }

    @Test
    void subscriptionHandshake() {
        String query = Fixtures.text("whatsapp/verify-get.query.txt");
        Http.Response ok = http.get("/webhooks/whatsapp?" + query);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("1158201444");
        assertThat(ok.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");

        assertThat(http.get("/webhooks/whatsapp?" + query.replace("test-verify-token", "guess")).status()).isEqualTo(403);
        assertThat(http.get("/webhooks/whatsapp?" + query.replace("subscribe", "unsubscribe")).status()).isEqualTo(403);
        assertThat(http.get("/webhooks/whatsapp").status()).isEqualTo(403);
    }

    @Test
    void parallelFirstMessagesFromOneNewSenderMakeOneConversation() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Integer>> sends = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String body = whatsappText(Fixtures.PHONE_NUMBER_ID, "4917699999999", "wamid.parallel-" + i,
                        1772445600L + i, "Nachricht " + i);
                sends.add(() -> postWhatsappSigned(body, Fixtures.APP_SECRET).status());
            }
            for (Future<Integer> f : pool.invokeAll(sends)) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(count("select count(*) from conversation where phone = '+4917699999999'")).isEqualTo(1);
        assertThat(count("select count(*) from message where sender = '+4917699999999'")).isEqualTo(40);
        // The window runs from the newest provider timestamp, whatever order the requests committed in.
        assertThat(count("select extract(epoch from last_inbound_at)::bigint from conversation")).isEqualTo(1772445639L);
    }

    @Test
    void parallelReDeliveriesStoreOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Callable<Integer>> sends = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                sends.add(() -> postWhatsappFixture("whatsapp/batch-two-messages.json").status());
            }
            for (Future<Integer> f : pool.invokeAll(sends)) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(count("select count(*) from message")).isEqualTo(2);
        assertThat(count("select count(*) from conversation")).isEqualTo(1);
    }

    @Test
    void storageFailureAnswers503AndRollsBackTheWholeBatch() {
        // A trigger stands in for the database failing in the middle of a webhook: the second
        // message of the batch cannot be written.
        jdbc.execute("""
                create function fail_on_marker() returns trigger language plpgsql as $$
                begin
                  if new.text like '%Seitenflügel%' then raise exception 'simulated storage failure'; end if;
                  return new;
                end $$""");
        jdbc.execute("create trigger fail_on_marker before insert on message for each row execute function fail_on_marker()");
        try {
            Http.Response r = postWhatsappFixture("whatsapp/batch-two-messages.json");

            assertThat(r.status()).isEqualTo(503);
            assertThat(r.code()).isEqualTo("STORAGE_UNAVAILABLE");
            assertThat(count("select count(*) from message")).isZero();
            assertThat(count("select count(*) from conversation")).isZero();
        } finally {
            jdbc.execute("drop trigger fail_on_marker on message");
            jdbc.execute("drop function fail_on_marker()");
        }
        // Meta delivers again; now everything lands, once.
        assertThat(postWhatsappFixture("whatsapp/batch-two-messages.json").status()).isEqualTo(200);
        assertThat(count("select count(*) from message")).isEqualTo(2);
    }

    @Test
    void unknownChangeFieldsAndValueErrorsAreKeptNotDropped() {
        String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":["
                + "{\"field\":\"account_update\",\"value\":{\"metadata\":{\"phone_number_id\":\"" + Fixtures.PHONE_NUMBER_ID
                + "\"},\"event\":\"VERIFIED_ACCOUNT\"}},"
                + "{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"" + Fixtures.PHONE_NUMBER_ID
                + "\"},\"errors\":[{\"code\":130429,\"title\":\"Rate limit hit\"}]}}]}]}";

        for (int i = 0; i < 2; i++) {
            assertThat(postWhatsappSigned(body, Fixtures.APP_SECRET).status()).isEqualTo(200);
        }

        assertThat(jdbc.queryForList("select kind from unrecognized_item order by kind", String.class))
                .containsExactly("change:account_update", "error");
    }

    @Test
    void poisonContentIsStoredNotRetriedForever() {
        // NUL cannot be stored in PostgreSQL text; a sender-less message cannot be threaded. Neither
        // may turn into a 503 that Meta would retry for days.
        String nul = whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.nul-1", 1772445600L,
                "Hallo\\u0000Welt \\\\u0000 bleibt");
        Http.Response r = postWhatsappSigned(nul, Fixtures.APP_SECRET);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select text from message", String.class)).isEqualTo("HalloWelt \\u0000 bleibt");

        String noSender = Fixtures.text("whatsapp/text-message.json").replace("\"from\":\"4917612345678\",", "");
        assertThat(postWhatsappSigned(noSender, Fixtures.APP_SECRET).status()).isEqualTo(200);
        assertThat(jdbc.queryForList("select kind from unrecognized_item", String.class))
                .containsExactly("message-without-sender");
    }
}
