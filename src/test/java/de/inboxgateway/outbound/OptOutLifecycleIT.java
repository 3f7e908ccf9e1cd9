package de.inboxgateway.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/** STOP → one confirmation → every send refused → documented re-consent → sends again. */
class OptOutLifecycleIT extends GatewayTest {

    private TestTenant mueller;
    private int seq;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
    }

    private Http.Response smsFromAnna(String text) {
        return postTwilioSigned("/webhooks/sms", Map.of("MessageSid", String.format("SMlife%028d", ++seq),
                "From", Fixtures.ANNA, "To", Fixtures.TWILIO_NUMBER, "Body", text, "AccountSid", Fixtures.ACCOUNT_SID),
                Fixtures.AUTH_TOKEN);
    }

    private Http.Response sendSms(String text) {
        return http.post("/api/v1/messages", json(Map.of("channel", "sms", "to", Fixtures.ANNA, "text", text)),
                "Authorization", mueller.bearer(), "Content-Type", "application/json");
    }

    private Http.Response consent(String body) {
        return http.post("/api/v1/optouts/sms/%2B4917612345678/consent", body, "Authorization", mueller.bearer(),
                "Content-Type", "application/json");
    }

    private static String bodyOf(FakeProvider.Request r) {
        for (String pair : r.body().split("&")) {
            if (pair.startsWith("Body=")) {
                return URLDecoder.decode(pair.substring(5), StandardCharsets.UTF_8);
            }
        }
        return "";
    }

    @Test
    void stopIsConfirmedExactlyOnceOnTheSameChannel() {
        assertThat(smsFromAnna("STOP").status()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).until(() -> TWILIO.requests().size() == 1);
        String text = bodyOf(TWILIO.requests().get(0));
        assertThat(text).startsWith("Sie erhalten über diesen Kanal keine Nachrichten mehr").contains("telefonisch");
        Map<String, Object> confirmation = jdbc.queryForMap("select * from message where kind = 'optout-confirmation'");
        await().atMost(Duration.ofSeconds(5)).until(() -> "sent".equals(
                jdbc.queryForObject("select status from message where kind = 'optout-confirmation'", String.class)));
        assertThat(confirmation.get("recipient")).isEqualTo(Fixtures.ANNA);
        assertThat(count("select count(*) from audit_entry where type = 'optout.confirmation-passed'")).isEqualTo(1);

        // Writing STOP again, or Twilio delivering the first STOP again, sends nothing more.
        smsFromAnna("stop");
        postTwilioSigned("/webhooks/sms", Map.of("MessageSid", String.format("SMlife%028d", 1), "From", Fixtures.ANNA,
                "To", Fixtures.TWILIO_NUMBER, "Body", "STOP", "AccountSid", Fixtures.ACCOUNT_SID), Fixtures.AUTH_TOKEN);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> TWILIO.requests().size() == 1);
        assertThat(count("select count(*) from message where kind = 'optout-confirmation'")).isEqualTo(1);
    }

    @Test
    void whatsappStopIsConfirmedOnWhatsappWithTheTenantsOwnText() {
        assertThat(http.patch("/admin/v1/tenants/mueller", "{\"optOutConfirmationText\":\"Abgemeldet. Tel. 030 123456\"}",
                admin()).status()).isEqualTo(200);
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.stop-wa",
                Instant.now().getEpochSecond(), "ABMELDEN"), Fixtures.APP_SECRET);

        await().atMost(Duration.ofSeconds(10)).until(() -> GRAPH.requests().size() == 1);
        assertThat(GRAPH.requests().get(0).body()).contains("Abgemeldet. Tel. 030 123456");
        assertThat(TWILIO.requests()).isEmpty();
    }

    @Test
    void aStopFromAWhatsappIdInAnotherSpellingStopsSendsToThatPerson() {
        // Meta's ids for Mexico may keep the old mobile "1", Argentina's carry the 9; managers write
        // the number as they know it. The STOP must match either way.
        for (String[] pair : new String[][] {{"5215512345678", "+52 55 1234 5678"}, {"5491123456789", "+54 11 2345-6789"}}) {
            assertThat(postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, pair[0], "wamid.stop-" + pair[0],
                    Instant.now().getEpochSecond(), "STOP"), Fixtures.APP_SECRET).status()).isEqualTo(200);
            Http.Response refused = http.post("/api/v1/messages", json(Map.of("channel", "whatsapp", "to", pair[1],
                    "text", "Wartung morgen")), "Authorization", mueller.bearer(), "Content-Type", "application/json");
            assertThat(refused.status()).as(pair[1]).isEqualTo(409);
            assertThat(refused.code()).isEqualTo("OPTOUT_ACTIVE");
        }
        // One conversation per person, whichever spelling wrote.
        assertThat(postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "525512345678", "wamid.mx-again",
                Instant.now().getEpochSecond(), "Hallo"), Fixtures.APP_SECRET).status()).isEqualTo(200);
        assertThat(count("select count(*) from conversation where phone = '+525512345678'")).isEqualTo(1);
        assertThat(count("select count(*) from conversation")).isEqualTo(2);
    }

    @Test
    void aStopWhoseStorageFailsLeavesNothingAndTheProvidersRetryDoesItAllOnce() {
        // Storage fails after the opt-out was written: the events of the transaction are refused.
        jdbc.execute("""
                create or replace function stop_storage_fails() returns trigger language plpgsql as $$
                begin raise exception 'storage failed after the opt-out'; end $$""");
        jdbc.execute("create trigger stop_storage_fails before insert on tenant_event for each row "
                + "execute function stop_storage_fails()");
        Http.Response failed;
        try {
            failed = postTwilioSigned("/webhooks/sms", Map.of("MessageSid", "SMstop000000000000000000000000001",
                    "From", Fixtures.ANNA, "To", Fixtures.TWILIO_NUMBER, "Body", "STOP", "AccountSid", Fixtures.ACCOUNT_SID),
                    Fixtures.AUTH_TOKEN);
        } finally {
            jdbc.execute("drop trigger stop_storage_fails on tenant_event");
            jdbc.execute("drop function stop_storage_fails()");
        }
        assertThat(failed.status()).isEqualTo(503);
        assertThat(count("select count(*) from optout")).isZero();
        assertThat(count("select count(*) from audit_entry where type like 'optout.%'")).isZero();
        assertThat(count("select count(*) from tenant_event")).isZero();
        assertThat(count("select count(*) from message")).isZero(); // neither the STOP nor its confirmation

        // Twilio's retry: everything once.
        assertThat(postTwilioSigned("/webhooks/sms", Map.of("MessageSid", "SMstop000000000000000000000000001",
                "From", Fixtures.ANNA, "To", Fixtures.TWILIO_NUMBER, "Body", "STOP", "AccountSid", Fixtures.ACCOUNT_SID),
                Fixtures.AUTH_TOKEN).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> TWILIO.requests().size() == 1);
        assertThat(count("select count(*) from optout where ended_at is null")).isEqualTo(1);
        assertThat(count("select count(*) from audit_entry where type = 'optout.created'")).isEqualTo(1);
        assertThat(count("select count(*) from tenant_event where type = 'messaging.optout'")).isEqualTo(1);
        assertThat(count("select count(*) from message where kind = 'optout-confirmation'")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> count("select count(*) from message "
                + "where kind = 'optout-confirmation' and provider_message_id is not null") == 1);
        assertThat(TWILIO.requests()).hasSize(1);
    }

    @Test
    void anOldQueuedConfirmationIsSentOnceWhileTwoInstancesSweep() throws Exception {
        // As after a crash: the hand-off right after the commit does not happen (its route is stopped).
        camel.getRouteController().stopRoute("optout-confirmations");
        try {
            assertThat(smsFromAnna("STOP").status()).isEqualTo(200);
            assertThat(count("select count(*) from message where kind = 'optout-confirmation' and attempted_at is null"))
                    .isEqualTo(1);
            jdbc.update("update message set created_at = now() - interval '5 minutes' where kind = 'optout-confirmation'");
            org.springframework.context.ConfigurableApplicationContext second =
                    new org.springframework.boot.builder.SpringApplicationBuilder(de.inboxgateway.InboxGatewayApplication.class)
                            .run(anotherGateway());
            try {
                java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
                ExecutorService sweepers = Executors.newFixedThreadPool(2);
                try {
                    List<java.util.concurrent.Future<Object>> runs = new ArrayList<>();
                    for (org.springframework.context.ApplicationContext instance
                            : List.<org.springframework.context.ApplicationContext>of(camelContextOwner(), second)) {
                        runs.add(sweepers.submit(() -> {
                            // What each instance's sweeper route does, at the same moment on both.
                            Object pending = instance.getBean(de.inboxgateway.optout.OptOutConfirmations.class).pending();
                            together.await(10, TimeUnit.SECONDS);
                            instance.getBean(org.apache.camel.CamelContext.class).createProducerTemplate()
                                    .sendBody("direct:optout-confirmation-send", pending);
                            return pending;
                        }));
                    }
                    for (java.util.concurrent.Future<Object> run : runs) {
                        assertThat((List<?>) run.get(20, TimeUnit.SECONDS)).hasSize(1); // both saw it pending
                    }
                } finally {
                    sweepers.shutdownNow();
                }
                assertThat(TWILIO.requests()).hasSize(1);
                assertThat(bodyOf(TWILIO.requests().get(0))).contains("keine Nachrichten mehr");
            } finally {
                second.close();
            }
        } finally {
            camel.getRouteController().startRoute("optout-confirmations");
        }
        // The hand-off, arriving late when its route is back, finds the confirmation attempted: still one.
        await().atMost(Duration.ofSeconds(10)).until(() ->
                camel.getEndpoint("seda:optout-confirmations", org.apache.camel.component.seda.SedaEndpoint.class)
                        .getCurrentQueueSize() == 0 && camel.getInflightRepository().size() == 0);
        assertThat(TWILIO.requests()).hasSize(1);
    }

    @org.springframework.beans.factory.annotation.Autowired
    org.springframework.context.ApplicationContext context;

    private org.springframework.context.ApplicationContext camelContextOwner() {
        return context;
    }

    @Test
    void twiliosOwnOptOutReplyIsNotDoubled() {
        postTwilioFixture("/webhooks/sms", "sms/inbound-stop-advanced-opt-out.form.txt");
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> TWILIO.requests().isEmpty());
        assertThat(count("select count(*) from optout")).isEqualTo(1);
    }

    @Test
    void writingAgainDoesNotLiftTheOptOutButADocumentedConsentDoes() {
        smsFromAnna("STOP");
        await().atMost(Duration.ofSeconds(10)).until(() -> TWILIO.requests().size() == 1);
        smsFromAnna("Hallo, ich habe eine Frage zur Heizung");
        assertThat(sendSms("Antwort").code()).isEqualTo("OPTOUT_ACTIVE");

        assertThat(consent("{\"consentedAt\":\"2026-03-02T10:00:00Z\"}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(consent("{\"source\":\"Formular\"}").code()).isEqualTo("INVALID_REQUEST");
        assertThat(consent("{\"source\":\"Formular\",\"consentedAt\":\"2999-01-01T00:00:00Z\"}").code()).isEqualTo("INVALID_REQUEST");
        String readOnly = apiKey("mueller", List.of("messaging:read", "messaging:send"));
        assertThat(http.post("/api/v1/optouts/sms/%2B4917612345678/consent", "{}", "Authorization", "Bearer " + readOnly,
                "Content-Type", "application/json").code()).isEqualTo("PERMISSION_DENIED");

        Http.Response ended = consent("{\"source\":\"Unterschriebenes Formular vom 02.03.2026\","
                + "\"consentedAt\":\"2026-03-02T10:00:00Z\",\"note\":\"Mieterakte WE 3\"}");
        assertThat(ended.status()).as(ended.toString()).isEqualTo(200);
        assertThat(ended.json().path("active").asBoolean()).isFalse();
        assertThat(ended.json().path("endSource").asText()).isEqualTo("Unterschriebenes Formular vom 02.03.2026");

        assertThat(sendSms("Antwort").status()).isEqualTo(202);
        Http.Response history = http.get("/api/v1/optouts?channel=sms", "Authorization", mueller.bearer());
        assertThat(history.json().path("items")).hasSize(1);
        assertThat(history.json().path("items").get(0).path("endedAt").isNull()).isFalse();
        assertThat(count("select count(*) from audit_entry where type = 'optout.consent'")).isEqualTo(1);
        // Nothing active any more: a second consent finds nothing.
        assertThat(consent("{\"source\":\"x\",\"consentedAt\":\"2026-03-02T10:00:00Z\"}").status()).isEqualTo(404);
        // A later STOP opts out again, with a new row; the history keeps both.
        smsFromAnna("STOP");
        assertThat(count("select count(*) from optout where phone = ?", Fixtures.ANNA)).isEqualTo(2);
    }

    @Test
    void noSendThatStartsAfterTheOptOutCommittedReachesTheProvider() throws Exception {
        AtomicInteger counter = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        record Attempt(String text, long startedNanos, int status) {
        }
        ConcurrentLinkedQueue<Attempt> attempts = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        for (int t = 0; t < 6; t++) {
            pool.submit(() -> {
                while (running.get()) {
                    String text = "parallel-" + counter.incrementAndGet();
                    long started = System.nanoTime();
                    attempts.add(new Attempt(text, started, sendSms(text).status()));
                }
            });
        }
        Thread.sleep(400);
        assertThat(smsFromAnna("STOP").status()).isEqualTo(200);
        long committed = System.nanoTime(); // the 200 came after the commit
        Thread.sleep(600);
        running.set(false);
        pool.shutdown();
        assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();

        List<String> reached = new ArrayList<>(TWILIO.requests().stream().map(OptOutLifecycleIT::bodyOf).toList());
        List<Attempt> after = attempts.stream().filter(a -> a.startedNanos() > committed).toList();
        assertThat(after).isNotEmpty();
        assertThat(after).allSatisfy(a -> {
            assertThat(a.status()).as(a.text()).isEqualTo(409);
            assertThat(reached).as(a.text()).doesNotContain(a.text());
        });
        assertThat(attempts.stream().filter(a -> a.startedNanos() < committed && a.status() == 202)).isNotEmpty();
    }
}
