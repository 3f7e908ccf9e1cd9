package de.inboxgateway.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import de.inboxgateway.tenant.ChannelDirectory;
import de.inboxgateway.channel.whatsapp.HubSignature;
import de.inboxgateway.channel.sms.TwilioSignature;

/**
 * Base of the flow tests: the whole gateway on a random port, the real routes from routes/, a real
 * PostgreSQL database of this run, emptied before every test. Tests talk to it over HTTP only.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "gateway.admin-token=" + GatewayTest.ADMIN_TOKEN,
        "gateway.public-base-url=" + Fixtures.PUBLIC_BASE_URL,
        "gateway.channels.refresh-interval=1h",
        "gateway.events.port=0",
        "gateway.webhooks.trusted-proxies=127.0.0.1,0:0:0:0:0:0:0:1",
        "gateway.events.max-queued-bytes=16384",
        "gateway.events.slow-screen-grace=2s",
        "gateway.events.send-buffer-bytes=4096",
        "gateway.events.poll-interval=1s",
        "spring.datasource.url=${test.database.url}",
        "gateway.media.poll-interval=1s",
        // Cached contexts share the database: only the test that runs broadcasts starts their pacer.
        "gateway.broadcast.enabled=false",
        // Contexts stay cached while other test classes run: idle ones should not hold 16 connections each.
        "spring.datasource.hikari.minimum-idle=1",
        "spring.datasource.hikari.idle-timeout=10000",
        "gateway.media.max-bytes=" + GatewayTest.MEDIA_MAX_BYTES
})
@org.springframework.context.annotation.Import(GatewayTest.TestClock.class)
public abstract class GatewayTest {

    @org.springframework.boot.test.context.TestConfiguration(proxyBeanMethods = false)
    static class TestClock {
        @org.springframework.context.annotation.Bean
        @org.springframework.context.annotation.Primary
        MutableClock mutableClock() {
            return new MutableClock();
        }
    }

    @Autowired
    protected MutableClock clock;

    public static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    public static final List<String> ALL_SCOPES = List.of("messaging:read", "messaging:send", "contacts:write",
            "optouts:manage", "events:read", "audit:read", "gdpr:erase", "conversations:write",
            "templates:manage", "messaging:broadcast", "webhooks:manage");
    protected static final String SECRETS_KEY = Base64.getEncoder().encodeToString(randomBytes(32));

    @LocalServerPort
    protected int port;
    /** The test looks at the database as its owner: it sees every tenant's rows. */
    protected JdbcTemplate jdbc = new JdbcTemplate(new org.springframework.jdbc.datasource.DriverManagerDataSource(
            databaseUrl(), TestDatabase.USER, TestDatabase.PASSWORD));

    /** The database of this test's gateway (a subclass with a gateway of its own kind may name another). */
    protected String databaseUrl() {
        return TestDatabase.url();
    }
    @Autowired
    protected ChannelDirectory channelDirectory;
    @Autowired
    protected de.inboxgateway.webhook.SourceBlocker sourceBlocker;
    @Autowired
    protected ObjectMapper mapper;
    protected Http http;

    /** Loopback fakes of Twilio and the Graph API, one each for the whole test JVM. */
    protected static final FakeProvider TWILIO = FakeProvider.twilio();
    protected static final FakeProvider GRAPH = FakeProvider.graph();

    /** The event feed's WebSocket port of this context (chosen at start: gateway.events.port=0). */
    @org.springframework.beans.factory.annotation.Value("${gateway.events.port}")
    protected int eventsPort;

    public static int freePort() {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Small enough that "too large" is cheap to show, large enough for 5 MB photos. */
    public static final long MEDIA_MAX_BYTES = 6L * 1024 * 1024;
    /** The filesystem media store of the test gateways (never the working directory). */
    protected static final java.nio.file.Path MEDIA_DIR = tempDir();

    private static java.nio.file.Path tempDir() {
        try {
            return java.nio.file.Files.createTempDirectory("gateway-media-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("gateway.media.dir", MEDIA_DIR::toString);
        registry.add("gateway.twilio.base-url", TWILIO::baseUrl);
        registry.add("gateway.whatsapp.base-url", GRAPH::baseUrl);
        registry.add("gateway.providers.response-timeout", () -> "2s");
        // Named through test.database.url (see the properties above), so that a subclass can give its
        // gateway a database of its own with a registration of spring.datasource.url, which wins.
        registry.add("test.database.url", TestDatabase::url);
        registry.add("spring.flyway.user", () -> TestDatabase.USER);
        registry.add("spring.flyway.password", () -> TestDatabase.PASSWORD);
        registry.add("gateway.secrets-key", () -> SECRETS_KEY);
    }

    @Autowired
    protected org.apache.camel.CamelContext camel;

    @BeforeEach
    void cleanSlate() {
        // Work the previous test started may still be on its way (an opt-out confirmation going out
        // after a STOP, a download): let it finish before the slate and the fakes are wiped, or it
        // would land in this test.
        org.awaitility.Awaitility.await("the previous test's exchanges to finish").atMost(java.time.Duration.ofSeconds(15))
                .pollInterval(java.time.Duration.ofMillis(20))
                .until(() -> camel.getInflightRepository().size() == 0);
        // Blocks live in memory: lifted the way an operator lifts them (before the wipe, which takes
        // the audit entry of the lifting along).
        assertThat(new Http(port).delete("/admin/v1/source-blocks", "Authorization", "Bearer " + ADMIN_TOKEN).status())
                .isEqualTo(200);
        List<String> tables = jdbc.queryForList("""
                select tablename from pg_tables
                where schemaname = 'public' and tablename <> 'flyway_schema_history'""", String.class);
        // Asynchronous work of the previous test (a confirmation being sent) may hold a lock: retry.
        for (int attempt = 1; ; attempt++) {
            try {
                jdbc.execute("truncate " + String.join(", ", tables) + " restart identity cascade");
                break;
            } catch (org.springframework.dao.DataAccessException e) {
                if (attempt == 10) {
                    throw e;
                }
                try {
                    Thread.sleep(100L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        channelDirectory.refresh();
        clock.reset();
        TWILIO.reset();
        GRAPH.reset();
        http = new Http(port);
    }

    /**
     * Arguments of one more gateway on this test's database and fakes (never the real Twilio and
     * Meta), for tests of several instances; {@code more} come last and win.
     */
    protected String[] anotherGateway(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("--server.port=0", "--gateway.events.port=0",
                "--spring.datasource.url=" + databaseUrl(), "--spring.flyway.user=" + TestDatabase.USER,
                "--spring.flyway.password=" + TestDatabase.PASSWORD, "--gateway.secrets-key=" + SECRETS_KEY,
                "--gateway.admin-token=" + ADMIN_TOKEN, "--gateway.public-base-url=" + Fixtures.PUBLIC_BASE_URL,
                "--gateway.twilio.base-url=" + TWILIO.baseUrl(), "--gateway.whatsapp.base-url=" + GRAPH.baseUrl(),
                "--gateway.media.dir=" + MEDIA_DIR, "--spring.main.banner-mode=off"));
        args.addAll(List.of(more));
        // Spring joins repeated arguments with commas: keep the last value of each name.
        java.util.Map<String, String> byName = new java.util.LinkedHashMap<>();
        for (String arg : args) {
            byName.put(arg.substring(0, arg.indexOf('=') < 0 ? arg.length() : arg.indexOf('=')), arg);
        }
        return byName.values().toArray(String[]::new);
    }

    // ---- provisioning through the admin API -------------------------------------------------

    public record TestTenant(String slug, String apiKey) {
        public String bearer() {
            return "Bearer " + apiKey;
        }
    }

    protected String[] admin() {
        return new String[] {"Authorization", "Bearer " + ADMIN_TOKEN, "Content-Type", "application/json"};
    }

    protected TestTenant tenant(String slug) {
        Http.Response r = http.post("/admin/v1/tenants", "{\"slug\":\"" + slug + "\",\"name\":\"Hausverwaltung " + slug + "\"}", admin());
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return new TestTenant(slug, apiKey(slug, ALL_SCOPES));
    }

    protected String apiKey(String slug, List<String> scopes) {
        Http.Response r = http.post("/admin/v1/tenants/" + slug + "/api-keys", json(Map.of("name", "test", "scopes", scopes)), admin());
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
        return r.json().path("key").asText();
    }

    protected void whatsappChannel(String slug, String phoneNumberId, String displayNumber, String appSecret,
                                   String verifyToken) {
        Http.Response r = http.post("/admin/v1/tenants/" + slug + "/channels", json(Map.of("channel", "whatsapp",
                "phoneNumberId", phoneNumberId, "displayPhoneNumber", displayNumber, "appSecret", appSecret,
                "accessToken", "access-" + slug, "verifyToken", verifyToken)), admin());
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    protected void smsChannel(String slug, String accountSid, String number, String authToken) {
        Http.Response r = http.post("/admin/v1/tenants/" + slug + "/channels", json(Map.of("channel", "sms",
                "accountSid", accountSid, "phoneNumber", number, "authToken", authToken)), admin());
        assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    /** The tenant that owns every number and secret of the provider fixtures. */
    protected TestTenant fixtureTenant() {
        TestTenant t = tenant("mueller");
        whatsappChannel("mueller", Fixtures.PHONE_NUMBER_ID, Fixtures.DISPLAY_NUMBER, Fixtures.APP_SECRET, Fixtures.VERIFY_TOKEN);
        smsChannel("mueller", Fixtures.ACCOUNT_SID, Fixtures.TWILIO_NUMBER, Fixtures.AUTH_TOKEN);
        return t;
    }

    /** A second tenant with numbers and secrets of its own. */
    public static final String OTHER_PHONE_NUMBER_ID = "111122223333444";
    public static final String OTHER_APP_SECRET = "other-app-secret";
    public static final String OTHER_ACCOUNT_SID = "AC00000000000000000000000000000042";
    public static final String OTHER_TWILIO_NUMBER = "+4930123456789";
    public static final String OTHER_AUTH_TOKEN = "other-auth-token";

    protected TestTenant otherTenant() {
        TestTenant t = tenant("schmidt");
        whatsappChannel("schmidt", OTHER_PHONE_NUMBER_ID, "+4989123456", OTHER_APP_SECRET, "other-verify-token");
        smsChannel("schmidt", OTHER_ACCOUNT_SID, OTHER_TWILIO_NUMBER, OTHER_AUTH_TOKEN);
        return t;
    }

    // ---- webhooks ----------------------------------------------------------------------------

    protected Http.Response postWhatsapp(byte[] body, String signature) {
        return signature == null
                ? http.post("/webhooks/whatsapp", body, "Content-Type", "application/json")
                : http.post("/webhooks/whatsapp", body, "Content-Type", "application/json", "X-Hub-Signature-256", signature);
    }

    protected Http.Response postWhatsappFixture(String path) {
        return postWhatsapp(Fixtures.bytes(path), Fixtures.hubSignature(path));
    }

    protected Http.Response postWhatsappSigned(String body, String appSecret) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return postWhatsapp(bytes, HubSignature.sign(appSecret, bytes));
    }

    protected Http.Response postTwilio(String path, String form, String signature) {
        return signature == null
                ? http.post(path, form, "Content-Type", "application/x-www-form-urlencoded")
                : http.post(path, form, "Content-Type", "application/x-www-form-urlencoded", "X-Twilio-Signature", signature);
    }

    protected Http.Response postTwilioFixture(String path, String fixture) {
        return postTwilio(path, Fixtures.text(fixture), Fixtures.twilioSignature(fixture));
    }

    /** Signs a form as Twilio would for gateway.public-base-url + path. */
    protected Http.Response postTwilioSigned(String path, Map<String, String> params, String authToken) {
        de.inboxgateway.webhook.FormBody form = de.inboxgateway.webhook.FormBody.of(params);
        String signature = TwilioSignature.sign(authToken, Fixtures.PUBLIC_BASE_URL + path, form.params());
        return postTwilio(path, form.encode(), signature);
    }

    // ---- Meta-style payloads of our own --------------------------------------------------------

    /** A one-message text webhook in Meta's wire style; {@code escapedBody} is JSON-string content (\\uXXXX allowed). */
    protected static String whatsappText(String phoneNumberId, String waId, String wamid, long timestamp, String escapedBody) {
        return "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"112233445566778\",\"changes\":[{\"value\":"
                + "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"4930609876543\","
                + "\"phone_number_id\":\"" + phoneNumberId + "\"},\"contacts\":[{\"profile\":{\"name\":\"Test Person\"},"
                + "\"wa_id\":\"" + waId + "\"}],\"messages\":[{\"from\":\"" + waId + "\",\"id\":\"" + wamid + "\","
                + "\"timestamp\":\"" + timestamp + "\",\"type\":\"text\",\"text\":{\"body\":\"" + escapedBody + "\"}}]},"
                + "\"field\":\"messages\"}]}]}";
    }

    protected static String whatsappStatus(String phoneNumberId, String wamid, String status, long timestamp, String errorsJson) {
        return "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"112233445566778\",\"changes\":[{\"value\":"
                + "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"4930609876543\","
                + "\"phone_number_id\":\"" + phoneNumberId + "\"},\"statuses\":[{\"id\":\"" + wamid + "\",\"status\":\""
                + status + "\",\"timestamp\":\"" + timestamp + "\",\"recipient_id\":\"4917612345678\""
                + (errorsJson == null ? "" : ",\"errors\":" + errorsJson) + "}]},\"field\":\"messages\"}]}]}";
    }

    // ---- reading ------------------------------------------------------------------------------

    protected Http.Response api(TestTenant tenant, String path) {
        return http.get(path, "Authorization", tenant.bearer());
    }

    protected long count(String sql, Object... args) {
        return jdbc.queryForObject(sql, Long.class, args);
    }

    protected String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
