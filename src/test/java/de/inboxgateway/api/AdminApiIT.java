package de.inboxgateway.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/** Provisioning: admin token, tenants, channels with secrets at rest, API keys as hashes. */
class AdminApiIT extends GatewayTest {

    @Test
    void adminTokenIsRequired() {
        assertThat(http.post("/admin/v1/tenants", "{\"slug\":\"x\",\"name\":\"X\"}", "Content-Type", "application/json")
                .code()).isEqualTo("UNAUTHENTICATED");
        assertThat(http.get("/admin/v1/tenants", "Authorization", "Bearer wrong").status()).isEqualTo(401);
        assertThat(http.get("/admin/v1/tenants", admin()).status()).isEqualTo(200);
    }

    @Test
    void tenantInputIsValidated() {
        assertThat(http.post("/admin/v1/tenants", "{\"slug\":\"Bad Slug\",\"name\":\"X\"}", admin()).code())
                .isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/admin/v1/tenants", "{\"slug\":\"ok\"}", admin()).code()).isEqualTo("INVALID_REQUEST");
        tenant("mueller");
        Http.Response duplicate = http.post("/admin/v1/tenants", "{\"slug\":\"mueller\",\"name\":\"X\"}", admin());
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(http.get("/admin/v1/tenants/nobody", admin()).code()).isEqualTo("NOT_FOUND");
        assertThat(http.get("/admin/v1/tenants/mueller", admin()).json().path("name").asText()).isEqualTo("Hausverwaltung mueller");
    }

    @Test
    void channelSecretsAreEncryptedAtRestAndNeverReturned() {
        fixtureTenant();
        Http.Response list = http.get("/admin/v1/tenants/mueller/channels", admin());
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.json().path("items")).hasSize(2);
        assertThat(list.body()).doesNotContain(Fixtures.APP_SECRET, Fixtures.AUTH_TOKEN, Fixtures.VERIFY_TOKEN,
                "access-mueller").contains(Fixtures.PHONE_NUMBER_ID, Fixtures.TWILIO_NUMBER);

        List<byte[]> sealed = jdbc.queryForList("select secrets from channel", byte[].class);
        assertThat(sealed).hasSize(2).allSatisfy(bytes -> assertThat(new String(bytes, StandardCharsets.ISO_8859_1))
                .doesNotContain(Fixtures.APP_SECRET, Fixtures.AUTH_TOKEN, Fixtures.VERIFY_TOKEN, "access-mueller"));
        String everything = jdbc.queryForList("select row_to_json(c)::text from channel c", String.class).toString();
        assertThat(everything).doesNotContain("test-app-secret", "test-auth-token");
    }

    @Test
    void aNumberBelongsToOneTenant() {
        fixtureTenant();
        tenant("schmidt");
        Http.Response r = http.post("/admin/v1/tenants/schmidt/channels", json(Map.of("channel", "whatsapp",
                "phoneNumberId", Fixtures.PHONE_NUMBER_ID, "displayPhoneNumber", "+4930111111", "appSecret", "a",
                "accessToken", "b", "verifyToken", "c")), admin());
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.code()).isEqualTo("ALREADY_EXISTS");
    }

    @Test
    void channelInputIsValidated() {
        tenant("mueller");
        assertThat(http.post("/admin/v1/tenants/mueller/channels", "{\"channel\":\"fax\"}", admin()).code())
                .isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/admin/v1/tenants/mueller/channels", "{\"channel\":\"whatsapp\",\"phoneNumberId\":\"1\"}",
                admin()).code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/admin/v1/tenants/mueller/channels", json(Map.of("channel", "sms", "accountSid", "nope",
                "authToken", "t", "phoneNumber", "+4930123")), admin()).code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/admin/v1/tenants/mueller/channels", json(Map.of("channel", "sms", "accountSid",
                Fixtures.ACCOUNT_SID, "authToken", "t", "phoneNumber", "nonsense")), admin()).code()).isEqualTo("INVALID_PHONE");
        assertThat(http.post("/admin/v1/tenants/nobody/channels", "{\"channel\":\"sms\"}", admin()).status()).isEqualTo(404);
    }

    @Test
    void apiKeysAreShownOnceAndStoredAsHashes() {
        tenant("mueller");
        Http.Response created = http.post("/admin/v1/tenants/mueller/api-keys",
                "{\"name\":\"erp\",\"scopes\":[\"messaging:send\",\"messaging:read\"]}", admin());
        assertThat(created.status()).isEqualTo(201);
        String key = created.json().path("key").asText();
        assertThat(key).startsWith("igw_").hasSizeGreaterThan(40);

        Http.Response listed = http.get("/admin/v1/tenants/mueller/api-keys", admin());
        assertThat(listed.body()).doesNotContain(key).contains("erp", "messaging:send");
        String rows = jdbc.queryForList("select row_to_json(k)::text from api_key k", String.class).toString();
        assertThat(rows).doesNotContain(key);

        assertThat(http.post("/admin/v1/tenants/mueller/api-keys", "{\"name\":\"x\",\"scopes\":[\"root\"]}", admin())
                .code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post("/admin/v1/tenants/mueller/api-keys", "{\"name\":\"x\",\"scopes\":[]}", admin())
                .code()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void adminChangesAreAudited() {
        fixtureTenant();
        assertThat(jdbc.queryForList("select type from audit_entry order by id", String.class))
                .containsExactly("admin.tenant-created", "admin.api-key-created", "admin.channel-created",
                        "admin.channel-created");
    }

    @Test
    void healthIsUp() {
        Http.Response r = http.get("/actuator/health");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("UP");
    }

    @Test
    void openApiDescribesEveryRestVerbInRoutes() throws Exception {
        Http.Response r = http.get("/api/v1/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        com.fasterxml.jackson.databind.JsonNode paths = r.json().path("paths");
        // Every REST verb declared in routes/*.camel.yaml appears with its method, so the description
        // cannot drift from the routes.
        int verbs = 0;
        for (java.nio.file.Path file : de.inboxgateway.routes.RoutesLintTest.routeFiles()) {
            java.util.List<?> docs = new org.yaml.snakeyaml.Yaml().load(java.nio.file.Files.readString(file));
            for (Object doc : docs) {
                if (!(doc instanceof java.util.Map<?, ?> entry) || !(entry.get("rest") instanceof java.util.Map<?, ?> rest)) {
                    continue;
                }
                if (Boolean.FALSE.equals(rest.get("apiDocs"))) { // the admin API is not described publicly
                    assertThat(paths.has(rest.get("path") + "/tenants")).as("not in the public document").isFalse();
                    continue;
                }
                for (String verb : java.util.List.of("get", "post", "put", "patch", "delete")) {
                    if (!(rest.get(verb) instanceof java.util.List<?> operations)) {
                        continue;
                    }
                    for (Object operation : operations) {
                        String path = rest.get("path") + String.valueOf(((java.util.Map<?, ?>) operation).get("path"));
                        assertThat(paths.path(path).has(verb)).as(file.getFileName() + ": " + verb + " " + path).isTrue();
                        verbs++;
                    }
                }
            }
        }
        assertThat(verbs).as("REST verbs found in routes/").isGreaterThan(12);
        assertThat(paths.path("/api/v1/messages").has("post")).isTrue();
        assertThat(paths.path("/api/v1/messages").has("get")).as("no verb that is not in the routes").isFalse();
    }

    @Test
    void theActuatorBeyondHealthNeedsTheAdminToken() {
        assertThat(http.get("/actuator/health").status()).isEqualTo(200);
        Http.Response metrics = http.get("/actuator/metrics");
        assertThat(metrics.status()).isEqualTo(401);
        assertThat(metrics.code()).isEqualTo("UNAUTHENTICATED");
        assertThat(http.get("/actuator/info").status()).isEqualTo(401);
        assertThat(http.get("/actuator/metrics", "Authorization", "Bearer wrong-token").status()).isEqualTo(401);
        assertThat(http.get("/actuator/metrics", "Authorization", "Bearer " + ADMIN_TOKEN).status()).isEqualTo(200);
    }
}
