package de.inboxgateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import de.inboxgateway.InboxGatewayApplication;
import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;
import de.inboxgateway.testing.TestDatabase;

/** The tenant event feed with real WebSocket clients over the wire. */
class EventFeedIT extends GatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    @Autowired
    EventHub hub;
    @Autowired
    TenantEventListener listener;
    private TestTenant mueller;
    private TestTenant schmidt;
    private int seq;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
        schmidt = otherTenant();
    }

    private FeedClient feed(TestTenant t, String query) {
        return FeedClient.connect(eventsPort, t.slug(), "token=" + t.apiKey() + (query == null ? "" : "&" + query));
    }

    private void whatsappFrom(String waId, String text) {
        Http.Response r = postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, waId, "wamid.feed-" + (++seq),
                Instant.now().getEpochSecond(), text), Fixtures.APP_SECRET);
        assertThat(r.status()).isEqualTo(200);
    }

    private void schmidtInbound(String text) {
        assertThat(postWhatsappSigned(whatsappText(OTHER_PHONE_NUMBER_ID, "4917655555555", "wamid.schmidt-" + (++seq),
                Instant.now().getEpochSecond(), text), OTHER_APP_SECRET).status()).isEqualTo(200);
    }

    private static void assertConsecutive(List<JsonNode> events) {
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).path("id").asLong()).as("ids without gap or duplicate: " + events)
                    .isEqualTo(events.get(i - 1).path("id").asLong() + 1);
        }
    }

    @Test
    void handshakeIsRefusedBeforeTheUpgradeWithoutAKeyOfTheTenant() {
        assertThat(FeedClient.handshakeStatus(eventsPort, "mueller", null)).isEqualTo(401);
        assertThat(FeedClient.handshakeStatus(eventsPort, "mueller", "token=igw_wrong")).isEqualTo(401);
        assertThat(FeedClient.handshakeStatus(eventsPort, "mueller", "token=" + schmidt.apiKey())).isEqualTo(401);
        String noScope = apiKey("mueller", List.of("messaging:read"));
        assertThat(FeedClient.handshakeStatus(eventsPort, "mueller", "token=" + noScope)).isEqualTo(401);
        String revoked = apiKey("mueller", List.of("events:read"));
        long id = jdbc.queryForObject("select max(id) from api_key", Long.class);
        http.delete("/admin/v1/tenants/mueller/api-keys/" + id, admin());
        assertThat(FeedClient.handshakeStatus(eventsPort, "mueller", "token=" + revoked)).isEqualTo(401);
        // A foreign tenant cannot be smuggled in through a query parameter either.
        assertThat(FeedClient.handshakeStatus(eventsPort, "mueller", "token=" + mueller.apiKey())).isEqualTo(101);
        assertThat(FeedClient.handshakeStatus(eventsPort, "mueller", null, "Authorization", mueller.bearer())).isEqualTo(101);
        assertThat(hub.screens()).isLessThanOrEqualTo(2);
    }

    @Test
    void everyEventTypeReachesEveryScreenOfItsTenantAndNoOneElse() {
        http.put("/api/v1/contacts/R-1", "{\"name\":\"Anna Schmidt\",\"role\":\"resident\",\"phones\":[\"+4917612345678\"]}",
                "Authorization", mueller.bearer(), "Content-Type", "application/json");
        try (FeedClient a1 = feed(mueller, null); FeedClient a2 = feed(mueller, null);
             FeedClient b1 = FeedClient.connect(eventsPort, "schmidt", "token=" + schmidt.apiKey(), "x-ignore", "1");
             FeedClient b2 = feed(schmidt, "tenant=mueller")) { // a query parameter cannot switch the tenant
            whatsappFrom("4917612345678", "Die Heizung ist kalt.");
            Http.Response sent = http.post("/api/v1/messages", json(Map.of("channel", "whatsapp", "to", Fixtures.ANNA,
                    "text", "Wir kommen.")), "Authorization", mueller.bearer(), "Content-Type", "application/json");
            postWhatsappSigned(whatsappStatus(Fixtures.PHONE_NUMBER_ID, sent.json().path("providerMessageId").asText(),
                    "delivered", Instant.now().getEpochSecond(), null), Fixtures.APP_SECRET);
            postTwilioSigned("/webhooks/sms", Map.of("MessageSid", "SMfeed00000000000000000000000000001", "From", Fixtures.ANNA,
                    "To", Fixtures.TWILIO_NUMBER, "Body", "STOP", "AccountSid", Fixtures.ACCOUNT_SID), Fixtures.AUTH_TOKEN);
            await().atMost(WAIT).until(() -> TWILIO.requests().size() == 1); // the confirmation
            http.post("/api/v1/optouts/sms/%2B4917612345678/consent", "{\"source\":\"Formular\",\"consentedAt\":\"2026-03-02T10:00:00Z\"}",
                    "Authorization", mueller.bearer(), "Content-Type", "application/json");

            for (FeedClient screen : List.of(a1, a2)) {
                List<JsonNode> events = screen.until(e -> "messaging.optin".equals(e.path("type").asText()), WAIT);
                events.addAll(screen.drain(Duration.ofMillis(300)));
                Set<String> types = new TreeSet<>();
                events.forEach(e -> types.add(e.path("type").asText()));
                assertThat(types).contains("conversation.created", "messaging.inbound", "messaging.outbound",
                        "messaging.status", "messaging.optout", "messaging.optin");
                assertThat(events).allSatisfy(e -> {
                    assertThat(e.path("tenant").asText()).isEqualTo("mueller");
                    assertThat(e.has("at")).isTrue();
                    assertThat(e.has("conversationId")).isTrue();
                });
                assertConsecutive(events);
                JsonNode inbound = events.stream().filter(e -> "messaging.inbound".equals(e.path("type").asText())).findFirst().orElseThrow();
                assertThat(inbound.path("message").path("textPreview").asText()).isEqualTo("Die Heizung ist kalt.");
                assertThat(inbound.path("message").path("direction").asText()).isEqualTo("inbound");
                assertThat(inbound.path("contact").path("name").asText()).isEqualTo("Anna Schmidt");
                assertThat(inbound.path("conversationId").asLong()).isPositive();
                JsonNode outbound = events.stream().filter(e -> "messaging.outbound".equals(e.path("type").asText())).findFirst().orElseThrow();
                assertThat(outbound.path("message").path("textPreview").asText()).isEqualTo("Wir kommen.");
                assertThat(outbound.path("message").path("status").asText()).isEqualTo("queued");
                assertThat(events).anySatisfy(e -> assertThat(e.path("message").path("status").asText()).isEqualTo("delivered"));
            }
            // Schmidt's screens saw nothing of Mueller's; their own event arrives.
            schmidtInbound("Hallo von Schmidt");
            for (FeedClient screen : List.of(b1, b2)) {
                List<JsonNode> events = screen.until(e -> "messaging.inbound".equals(e.path("type").asText()), WAIT);
                assertThat(events).allSatisfy(e -> assertThat(e.path("tenant").asText()).isEqualTo("schmidt"));
                assertThat(events).hasSize(2); // conversation.created + messaging.inbound
            }
        }
    }

    @Test
    void sinceReplaysFirstThenStreamsLiveWithoutGapOrDuplicate() throws Exception {
        for (int i = 0; i < 5; i++) {
            whatsappFrom("49176000001" + i, "vorher " + i); // 10 events: created + inbound each
        }
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            int i = 0;
            while (writing.get()) {
                whatsappFrom("4917600000200", "während " + i++);
            }
        });
        writer.start();
        List<FeedClient> screens = new ArrayList<>();
        try {
            for (long since : new long[] {0, 3, 7}) {
                screens.add(feed(mueller, "since=" + since));
                Thread.sleep(50);
            }
        } finally {
            writing.set(false);
            writer.join();
        }
        whatsappFrom("4917600000300", "danach");
        long last = jdbc.queryForObject("select event_seq from tenant where slug = 'mueller'", Long.class);
        long[] starts = {0, 3, 7};
        for (int s = 0; s < screens.size(); s++) {
            try (FeedClient screen = screens.get(s)) {
                List<JsonNode> events = screen.until(e -> e.path("id").asLong() == last, WAIT);
                assertThat(events.get(0).path("id").asLong()).isEqualTo(starts[s] + 1);
                assertConsecutive(events);
                assertThat(screen.drain(Duration.ofMillis(200))).isEmpty();
            }
        }
    }

    @Test
    void aSecondInstanceOnTheSameDatabaseDeliversToItsOwnScreensAndClosesThoseOfARevokedKey() throws Exception {
        // Command-line arguments: they outrank application.yaml, as the environment does in production.
        ConfigurableApplicationContext second = new SpringApplicationBuilder(InboxGatewayApplication.class)
                .run(anotherGateway("--gateway.events.poll-interval=30s"));
        try {
            int secondEvents = Integer.parseInt(second.getEnvironment().getProperty("gateway.events.port"));
            int secondHttp = Integer.parseInt(second.getEnvironment().getProperty("local.server.port"));
            assertThat(secondEvents).isNotEqualTo(eventsPort);
            await().atMost(WAIT).until(() -> second.getBean(TenantEventListener.class).isConnected());
            try (FeedClient onSecond = FeedClient.connect(secondEvents, "mueller", "token=" + mueller.apiKey());
                 FeedClient onFirst = feed(mueller, null)) {
                whatsappFrom("4917612345678", "an Instanz eins");   // webhook on the first instance
                assertThat(onSecond.until(e -> "messaging.inbound".equals(e.path("type").asText()), WAIT)
                        .get(1).path("message").path("textPreview").asText()).isEqualTo("an Instanz eins");
                Http.Response r = new Http(secondHttp).post("/webhooks/whatsapp", whatsappText(Fixtures.PHONE_NUMBER_ID,
                        "4917612345678", "wamid.on-second", Instant.now().getEpochSecond(), "an Instanz zwei")
                        .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json", "X-Hub-Signature-256",
                        de.inboxgateway.channel.whatsapp.HubSignature.sign(Fixtures.APP_SECRET, whatsappText(Fixtures.PHONE_NUMBER_ID,
                                "4917612345678", "wamid.on-second", Instant.now().getEpochSecond(), "an Instanz zwei")
                                .getBytes(StandardCharsets.UTF_8)));
                assertThat(r.status()).isIn(200);
                List<JsonNode> firstSaw = onFirst.until(e -> "an Instanz zwei".equals(e.path("message").path("textPreview").asText()), WAIT);
                assertConsecutive(firstSaw);
            }

            // Revoking a key closes the screens it opened, on every instance (through the NOTIFY), and
            // only those; a handshake with it is refused afterwards anyway.
            String doomed = apiKey("mueller", List.of("events:read"));
            long doomedId = jdbc.queryForObject("select max(id) from api_key", Long.class);
            try (FeedClient keptOnFirst = feed(mueller, null);
                 FeedClient doomedOnSecond = FeedClient.connect(secondEvents, "mueller", "token=" + doomed);
                 FeedClient keptOnSecond = FeedClient.connect(secondEvents, "mueller", "token=" + mueller.apiKey());
                 FeedClient doomedFirst = FeedClient.connect(eventsPort, "mueller", "token=" + doomed)) {
                await().atMost(WAIT).until(() -> hub.screens() >= 2 && second.getBean(EventHub.class).screens() >= 2);
                assertThat(http.delete("/admin/v1/tenants/mueller/api-keys/" + doomedId, admin()).status()).isEqualTo(204);
                assertThat(doomedFirst.closed().get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(EventHub.KEY_REVOKED);
                assertThat(doomedOnSecond.closed().get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(EventHub.KEY_REVOKED);
                whatsappFrom("4917612345678", "nach dem Widerruf");
                assertThat(keptOnSecond.until(e -> "nach dem Widerruf".equals(e.path("message").path("textPreview").asText()),
                        WAIT)).isNotEmpty();
                assertThat(keptOnFirst.closed()).isNotDone();
            }
        } finally {
            second.close();
        }
    }

    @Test
    void aScreenPastItsLifetimeIsClosedAndResumesWithSince() throws Exception {
        try (FeedClient screen = feed(mueller, null)) {
            await().atMost(WAIT).until(() -> hub.screens() == 1);
            whatsappFrom("4917612345678", "vor dem Ablauf");
            screen.until(e -> "messaging.inbound".equals(e.path("type").asText()), WAIT);
            assertThat(hub.closeExpired()).isZero(); // young screens stay
            clock.set(Instant.now().plus(Duration.ofMinutes(61))); // gateway.events.max-screen-lifetime: 1 h
            assertThat(hub.closeExpired()).isEqualTo(1);
            assertThat(screen.closed().get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(EventHub.LIFETIME_OVER);
        }
        // The reconnect is a new handshake (the key is checked again) and loses nothing with since=.
        whatsappFrom("4917612345678", "während der Pause");
        try (FeedClient again = feed(mueller, "since=" + count("select max(id) - 2 from tenant_event"))) {
            assertThat(again.until(e -> "während der Pause".equals(e.path("message").path("textPreview").asText()), WAIT))
                    .isNotEmpty();
        }
    }

    @Test
    void aDroppedListenConnectionRecoversWithoutLosingEvents() {
        await().atMost(WAIT).until(listener::isConnected);
        try (FeedClient screen = feed(mueller, null)) {
            jdbc.queryForList("select pg_terminate_backend(pid) from pg_stat_activity where application_name = ? "
                    + "and datname = current_database()", Boolean.class, TenantEventListener.APPLICATION_NAME);
            // Written while nobody listens: the NOTIFY is lost, the event is not.
            whatsappFrom("4917612345678", "während der Unterbrechung");
            List<JsonNode> events = screen.until(e -> "messaging.inbound".equals(e.path("type").asText()), WAIT);
            assertThat(events.get(events.size() - 1).path("message").path("textPreview").asText())
                    .isEqualTo("während der Unterbrechung");
            await().atMost(WAIT).until(listener::isConnected);
            whatsappFrom("4917612345678", "danach");
            List<JsonNode> after = screen.until(e -> "danach".equals(e.path("message").path("textPreview").asText()), WAIT);
            assertThat(after).hasSize(1);
        }
    }

    @Test
    void aStalledScreenIsClosedWhileTheOthersKeepReceiving() throws Exception {
        await().atMost(WAIT).until(() -> hub.screens() == 0); // screens of earlier tests are gone
        try (FeedClient healthy = feed(mueller, null); Socket stalled = new Socket()) {
            stalled.setReceiveBufferSize(4096);
            stalled.connect(new InetSocketAddress("localhost", eventsPort));
            OutputStream out = stalled.getOutputStream();
            out.write(("GET /events/mueller?token=" + mueller.apiKey() + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    + "Sec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            byte[] head = new byte[12];
            InputStream in = stalled.getInputStream();
            assertThat(new String(head, 0, in.readNBytes(head, 0, 12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 101");
            await().atMost(WAIT).until(() -> hub.screens() == 2);

            // One webhook with 300 messages: far more than the stalled screen's buffers hold.
            StringBuilder messages = new StringBuilder();
            for (int i = 0; i < 300; i++) {
                messages.append(i == 0 ? "" : ",").append("{\"from\":\"4917612345678\",\"id\":\"wamid.bulk-").append(i)
                        .append("\",\"timestamp\":\"").append(Instant.now().getEpochSecond())
                        .append("\",\"type\":\"text\",\"text\":{\"body\":\"Nachricht ").append(i)
                        .append(" mit etwas Text, damit die Puffer sich füllen\"}}");
            }
            String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{\"field\":\"messages\","
                    + "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"4930609876543\","
                    + "\"phone_number_id\":\"" + Fixtures.PHONE_NUMBER_ID + "\"},\"messages\":[" + messages + "]}}]}]}";
            assertThat(postWhatsappSigned(body, Fixtures.APP_SECRET).status()).isEqualTo(200);

            List<JsonNode> all = healthy.until(e -> e.path("message").path("textPreview").asText().startsWith("Nachricht 299"), WAIT);
            assertThat(all).hasSize(301);
            assertConsecutive(all);
            await().atMost(WAIT).until(() -> hub.screens() == 1); // the stalled one was let go
            assertThat(healthy.closed()).isNotDone();
            // The stalled socket's connection ends: what it has buffered, then end of stream.
            stalled.setSoTimeout(15_000);
            byte[] rest = in.readAllBytes(); // what the kernel held for it, up to the end of the stream
            assertThat(closeCode(rest)).as("the last frame closes with 4008 (too slow)").isEqualTo(4008);
        }
    }

    /**
     * The status code of the close frame among raw server frames (after the rest of the 101 answer's
     * header): server frames are unmasked, length 7 bits, or 16 / 64 bits after 126 / 127.
     */
    private static int closeCode(byte[] bytes) {
        int i = 0;
        while (i + 3 < bytes.length && !(bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n')) {
            i++;
        }
        i += 4;
        while (i + 1 < bytes.length) {
            int opcode = bytes[i] & 0x0f;
            long length = bytes[i + 1] & 0x7f;
            int header = 2;
            if (length == 126) {
                length = ((bytes[i + 2] & 0xff) << 8) | (bytes[i + 3] & 0xff);
                header = 4;
            } else if (length == 127) {
                length = java.nio.ByteBuffer.wrap(bytes, i + 2, 8).getLong();
                header = 10;
            }
            if (opcode == 8) {
                return ((bytes[i + header] & 0xff) << 8) | (bytes[i + header + 1] & 0xff);
            }
            i += header + (int) length;
        }
        return -1;
    }
}
