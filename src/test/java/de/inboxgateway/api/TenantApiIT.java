package de.inboxgateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/** The tenant API: contacts, conversations, messages; authentication, scopes and tenant isolation. */
class TenantApiIT extends GatewayTest {

    private TestTenant mueller;
    private TestTenant schmidt;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
        schmidt = otherTenant();
    }

    private Http.Response putContact(TestTenant t, String externalId, String json) {
        return http.put("/api/v1/contacts/" + externalId, json, "Authorization", t.bearer(), "Content-Type", "application/json");
    }

    private void inbound(String waId, String wamid) {
        assertThat(postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, waId, wamid, 1772445600L, "Hallo"),
                Fixtures.APP_SECRET).status()).isEqualTo(200);
    }

    @Test
    void contactUpsertNormalizesPhonesAndAnswers201Then200() {
        Http.Response created = putContact(mueller, "R-100", "{\"name\":\"Anna Schmidt\",\"role\":\"resident\","
                + "\"phones\":[\"0176 12345678\",\"+49 176 12345678\",\"030 609876543\"],\"unitRef\":\"WE-3\"}");
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.json().path("phones")).extracting(JsonNode::asText)
                .containsExactly("+4917612345678", "+4930609876543");

        Http.Response updated = putContact(mueller, "R-100", "{\"name\":\"Anna Schmidt-Weber\",\"role\":\"owner\",\"phones\":[\"+4917612345678\"]}");
        assertThat(updated.status()).isEqualTo(200);
        assertThat(updated.json().path("role").asText()).isEqualTo("owner");
        assertThat(updated.json().path("phones")).hasSize(1);
        assertThat(count("select count(*) from contact")).isEqualTo(1);
    }

    @Test
    void contactInputErrorsHaveStableCodes() {
        assertThat(putContact(mueller, "R-1", "{\"phones\":[\"not a number\"]}").code()).isEqualTo("INVALID_PHONE");
        // An unbounded list would reach PostgreSQL's 65,535-parameter limit (a 500); it is a 400 long before
        // (and the API's body limit, 1 MB, keeps such a list from arriving at all).
        StringBuilder many = new StringBuilder("{\"phones\":[");
        for (int i = 0; i < 21; i++) {
            many.append(i == 0 ? "" : ",").append("\"+49176").append(10_000_000 + i).append('"');
        }
        Http.Response tooMany = putContact(mueller, "R-1", many.append("]}").toString());
        assertThat(tooMany.status()).isEqualTo(400);
        assertThat(tooMany.code()).isEqualTo("INVALID_REQUEST");
        assertThat(tooMany.json().path("message").asText()).contains("at most 20");
        assertThat(putContact(mueller, "R-1", "{\"role\":\"landlord\"}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(putContact(mueller, "R-1", "{\"phones\":\"+4917612345678\"}").code()).isEqualTo("INVALID_REQUEST");
        Http.Response broken = putContact(mueller, "R-1", "{broken");
        assertThat(broken.status()).isEqualTo(400);
        assertThat(broken.code()).isEqualTo("INVALID_REQUEST");
        assertThat(count("select count(*) from contact")).isZero();
    }

    @Test
    void unknownSenderGetsAConversationThatLinksWhenTheContactAppears() {
        inbound("4917612345678", "wamid.link-1");
        JsonNode before = api(mueller, "/api/v1/conversations").json().path("items").get(0);
        assertThat(before.path("contact").isNull()).isTrue();

        putContact(mueller, "R-7", "{\"name\":\"Anna Schmidt\",\"role\":\"resident\",\"phones\":[\"0176 12345678\"]}");

        JsonNode after = api(mueller, "/api/v1/conversations").json().path("items").get(0);
        assertThat(after.path("contact").path("externalId").asText()).isEqualTo("R-7");
        assertThat(after.path("contact").path("name").asText()).isEqualTo("Anna Schmidt");
        assertThat(after.path("contact").path("role").asText()).isEqualTo("resident");
        assertThat(after.path("phone").asText()).isEqualTo(Fixtures.ANNA);
        assertThat(after.path("channel").asText()).isEqualTo("whatsapp");
        assertThat(after.path("lastInboundAt").asText()).isEqualTo("2026-03-02T10:00:00Z");
        assertThat(after.path("windowOpenUntil").asText()).isEqualTo("2026-03-03T10:00:00Z");
        assertThat(after.path("optedOut").asBoolean()).isFalse();
    }

    @Test
    void conversationsArePagedWithoutGapsOrDuplicates() {
        for (int i = 0; i < 7; i++) {
            inbound("49176000000" + (10 + i), "wamid.page-" + i);
        }
        Set<Long> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            Http.Response page = api(mueller, "/api/v1/conversations?limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            for (JsonNode item : page.json().path("items")) {
                assertThat(seen.add(item.path("id").asLong())).isTrue();
            }
            cursor = page.json().path("nextCursor").isNull() ? null : page.json().path("nextCursor").asText();
            pages++;
        } while (cursor != null);
        assertThat(seen).hasSize(7);
        assertThat(pages).isEqualTo(3);
    }

    @Test
    void filtersAndPagingParametersAreValidated() {
        inbound("4917612345678", "wamid.filter-1");
        postTwilioFixture("/webhooks/sms", "sms/inbound-sms.form.txt");

        assertThat(api(mueller, "/api/v1/conversations?channel=sms").json().path("items")).hasSize(1);
        assertThat(api(mueller, "/api/v1/conversations?phone=0176%2012345678").json().path("items")).hasSize(2);
        assertThat(api(mueller, "/api/v1/conversations?channel=fax").code()).isEqualTo("INVALID_REQUEST");
        assertThat(api(mueller, "/api/v1/conversations?limit=0").code()).isEqualTo("INVALID_REQUEST");
        assertThat(api(mueller, "/api/v1/conversations?limit=abc").code()).isEqualTo("INVALID_REQUEST");
        assertThat(api(mueller, "/api/v1/conversations?cursor=%21%21").code()).isEqualTo("INVALID_REQUEST");
        // Cursors that decode but have the wrong shape for the list: 400, never a 500.
        for (String crafted : List.of("fDU", "fA", "NXw", "MjAyNi0xMS0zMFQwMDowMDowMFp8LTE")) {
            Http.Response r = api(mueller, "/api/v1/conversations?cursor=" + crafted);
            assertThat(r.status()).as(crafted).isEqualTo(400);
            assertThat(r.code()).isEqualTo("INVALID_REQUEST");
        }
        assertThat(api(mueller, "/api/v1/conversations?phone=xyz").code()).isEqualTo("INVALID_PHONE");
    }

    @Test
    void messagesOfAConversationNewestFirstWithPaging() {
        postWhatsappFixture("whatsapp/batch-two-messages.json");
        postWhatsappFixture("whatsapp/text-message.json");
        long id = api(mueller, "/api/v1/conversations").json().path("items").get(0).path("id").asLong();

        Http.Response first = api(mueller, "/api/v1/conversations/" + id + "/messages?limit=2");
        assertThat(first.status()).isEqualTo(200);
        JsonNode items = first.json().path("items");
        assertThat(items).hasSize(2);
        assertThat(items.get(0).path("text").asText()).startsWith("Guten Tag");
        assertThat(items.get(0).path("direction").asText()).isEqualTo("inbound");
        assertThat(items.get(0).path("status").asText()).isEqualTo("received");
        assertThat(items.get(0).path("providerTimestamp").asText()).isEqualTo("2026-03-02T10:00:00Z");
        assertThat(items.get(0).path("error").isNull()).isTrue();
        assertThat(items.get(0).has("media")).isTrue();
        Http.Response second = api(mueller, "/api/v1/conversations/" + id + "/messages?limit=2&cursor="
                + first.json().path("nextCursor").asText());
        assertThat(second.json().path("items")).hasSize(1);
        assertThat(second.json().path("nextCursor").isNull()).isTrue();
        // A conversation list's cursor (time|id) is not a message cursor: 400, not a 500.
        assertThat(api(mueller, "/api/v1/conversations/" + id + "/messages?cursor=MjAyNi0xMS0zMFQwMDowMDowMFp8NQ").status())
                .isEqualTo(400);
    }

    @Test
    void noReadEndpointCrossesTenants() {
        inbound("4917612345678", "wamid.iso-1");
        putContact(mueller, "R-1", "{\"name\":\"Anna\",\"phones\":[\"+4917612345678\"]}");
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.iso-2", 1772445601L, "STOP"),
                Fixtures.APP_SECRET);
        long muellerConversation = api(mueller, "/api/v1/conversations").json().path("items").get(0).path("id").asLong();

        assertThat(api(schmidt, "/api/v1/conversations").json().path("items")).isEmpty();
        assertThat(api(schmidt, "/api/v1/conversations?phone=%2B4917612345678").json().path("items")).isEmpty();
        assertThat(api(schmidt, "/api/v1/conversations/" + muellerConversation).status()).isEqualTo(404);
        Http.Response messages = api(schmidt, "/api/v1/conversations/" + muellerConversation + "/messages");
        assertThat(messages.status()).isEqualTo(404);
        assertThat(messages.code()).isEqualTo("NOT_FOUND");
        assertThat(api(schmidt, "/api/v1/contacts/R-1").status()).isEqualTo(404);
        assertThat(api(schmidt, "/api/v1/optouts").json().path("items")).isEmpty();
        assertThat(api(schmidt, "/api/v1/audit").json().path("items")).allSatisfy(
                e -> assertThat(e.path("type").asText()).startsWith("admin."));

        // The same external id in another tenant is another contact.
        assertThat(putContact(schmidt, "R-1", "{\"name\":\"Someone else\",\"phones\":[\"+4917612345678\"]}").status())
                .isEqualTo(201);
        assertThat(api(mueller, "/api/v1/contacts/R-1").json().path("name").asText()).isEqualTo("Anna");
        assertThat(api(mueller, "/api/v1/conversations").json().path("items").get(0).path("contact").path("name").asText())
                .isEqualTo("Anna");
    }

    @Test
    void authenticationAndScopes() {
        assertThat(http.get("/api/v1/conversations").code()).isEqualTo("UNAUTHENTICATED");
        assertThat(http.get("/api/v1/conversations", "Authorization", "Bearer igw_nope").status()).isEqualTo(401);
        assertThat(http.get("/api/v1/conversations", "Authorization", "Basic Zm9vOmJhcg==").status()).isEqualTo(401);

        String sendOnly = apiKey("mueller", List.of("messaging:send"));
        Http.Response denied = http.get("/api/v1/conversations", "Authorization", "Bearer " + sendOnly);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.code()).isEqualTo("PERMISSION_DENIED");
        assertThat(http.put("/api/v1/contacts/R-1", "{}", "Authorization", "Bearer " + sendOnly,
                "Content-Type", "application/json").status()).isEqualTo(403);
        assertThat(api(mueller, "/api/v1/audit").status()).isEqualTo(200);
    }

    @Test
    void revokedKeyIsRefused() {
        String key = apiKey("mueller", List.of("messaging:read"));
        assertThat(http.get("/api/v1/conversations", "Authorization", "Bearer " + key).status()).isEqualTo(200);
        long keyId = jdbc.queryForObject("select max(id) from api_key", Long.class);

        assertThat(http.delete("/admin/v1/tenants/mueller/api-keys/" + keyId, admin()).status()).isEqualTo(204);

        assertThat(http.get("/api/v1/conversations", "Authorization", "Bearer " + key).status()).isEqualTo(401);
        // Revoking through another tenant's path does not find the key, and the key keeps working.
        long muellerKey = jdbc.queryForObject("select min(k.id) from api_key k join tenant t on t.id = k.tenant_id "
                + "where t.slug = 'mueller' and k.revoked_at is null", Long.class);
        assertThat(http.delete("/admin/v1/tenants/schmidt/api-keys/" + muellerKey, admin()).status()).isEqualTo(404);
        assertThat(api(mueller, "/api/v1/conversations").status()).isEqualTo(200);
    }

    @Test
    void responsesDoNotEchoRequestHeadersOrTokens() {
        Http.Response r = http.get("/api/v1/conversations?limit=5", "Authorization", mueller.bearer(), "X-Custom", "x");
        assertThat(r.headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase("Authorization")
                || h.equalsIgnoreCase("X-Custom") || h.equalsIgnoreCase("limit"));
        assertThat(r.headers().map().values().toString()).doesNotContain(mueller.apiKey());
    }

    @Test
    void auditTrailCanBeFilteredByTypeAndTime() {
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.audit-1", 1772445600L, "STOP"),
                Fixtures.APP_SECRET);
        JsonNode items = api(mueller, "/api/v1/audit?type=optout.created").json().path("items");
        assertThat(items).hasSize(1);
        assertThat(items.get(0).path("phone").asText()).isEqualTo(Fixtures.ANNA);
        assertThat(items.get(0).path("detail").path("source").asText()).isEqualTo("keyword:STOP");
        assertThat(api(mueller, "/api/v1/audit?since=2999-01-01T00:00:00Z").json().path("items")).isEmpty();
        assertThat(api(mueller, "/api/v1/audit?since=yesterday").code()).isEqualTo("INVALID_REQUEST");
        assertThat(Map.of()).isEmpty();
    }

    @Test
    void credentialsInTheQueryStringCountAsNone() {
        TestTenant t = tenant("query");
        assertThat(api(t, "/api/v1/conversations").status()).isEqualTo(200);
        String key = java.net.URLEncoder.encode("Bearer " + t.apiKey(), java.nio.charset.StandardCharsets.UTF_8);
        Http.Response viaQuery = http.get("/api/v1/conversations?Authorization=" + key);
        assertThat(viaQuery.status()).isEqualTo(401);
        assertThat(viaQuery.code()).isEqualTo("UNAUTHENTICATED");
        String admin = java.net.URLEncoder.encode("Bearer " + ADMIN_TOKEN, java.nio.charset.StandardCharsets.UTF_8);
        assertThat(http.get("/admin/v1/tenants?Authorization=" + admin).status()).isEqualTo(401);
        assertThat(http.get("/admin/v1/tenants", "Authorization", "Bearer " + ADMIN_TOKEN).status()).isEqualTo(200);
    }
}
