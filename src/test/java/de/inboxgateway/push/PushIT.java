package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.standardwebhooks.Webhook;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Http;
import de.inboxgateway.testing.WebhookReceiver;

/** Signed event push to the ERP, end to end: subscription API, delivery, signatures, the delivery log. */
class PushIT extends PushFlows {

    @org.springframework.beans.factory.annotation.Autowired
    private io.micrometer.core.instrument.MeterRegistry meters;
    @org.springframework.beans.factory.annotation.Autowired
    private ErpPush erpPush;
    @org.springframework.beans.factory.annotation.Autowired
    private de.inboxgateway.events.EventLog eventLog;

    @Test
    void eachEventArrivesSignedAsItsFeedFrame() throws Exception {
        inbound("4917600000001", "wamid.before"); // before the subscription: not its events
        long before = eventIds("mueller").get(eventIds("mueller").size() - 1);
        JsonNode sub = subscribe(mueller, ERP.url("/erp"), null);
        assertThat(sub.path("status").asText()).isEqualTo("active");
        assertThat(sub.path("types").isNull()).isTrue();
        String secret = sub.path("secret").asText();
        assertThat(secret).startsWith("whsec_");

        inbound("4917600000002", "wamid.after");
        List<Long> ids = eventIds("mueller").stream().filter(id -> id > before).toList();
        assertThat(ids).hasSize(2); // conversation.created, messaging.inbound
        await().atMost(Duration.ofSeconds(10)).until(() -> ERP.requests("/erp").size() == 2);

        List<WebhookReceiver.Request> got = ERP.requests("/erp");
        assertThat(got).extracting(WebhookReceiver.Request::eventId).containsExactlyElementsOf(ids);
        try (FeedClient feed = FeedClient.connect(eventsPort, "mueller", "since=" + before, "Authorization",
                "Bearer " + apiKey("mueller", List.of("events:read")))) {
            for (WebhookReceiver.Request r : got) {
                // an independent implementation of the spec verifies each delivery
                new Webhook(secret).verify(r.body(), Map.of("webhook-id", List.of(r.webhookId()),
                        "webhook-timestamp", List.of(r.header("webhook-timestamp")),
                        "webhook-signature", List.of(r.header("webhook-signature"))));
                assertThat(r.header("content-type")).startsWith("application/json");
                assertThat(r.webhookId()).isEqualTo("evt_mueller_" + r.eventId());
                ObjectNode frame = (ObjectNode) feed.next(Duration.ofSeconds(5));
                frame.remove(FeedClient.RECEIVED_NANOS);
                assertThat(r.json()).as("the body is the feed frame").isEqualTo(frame);
            }
        }
        assertThat(got.get(1).json().path("type").asText()).isEqualTo("messaging.inbound");
        assertThat(got.get(1).json().path("tenant").asText()).isEqualTo("mueller");

        String id = sub.path("id").asText();
        await().atMost(Duration.ofSeconds(5)).until(() -> "delivered".equals(deliveryStatus(mueller, id, ids.get(1))));
        JsonNode log = deliveries(mueller, id, "?status=delivered");
        assertThat(log.path("items")).hasSize(2);
        JsonNode newest = log.path("items").get(0);
        assertThat(newest.path("eventId").asLong()).as("newest first").isEqualTo(ids.get(1));
        assertThat(newest.path("type").asText()).isEqualTo("messaging.inbound");
        assertThat(newest.path("attempts").asInt()).isEqualTo(1);
        assertThat(newest.path("lastStatusCode").asInt()).isEqualTo(200);
        assertThat(newest.path("lastError").isNull()).isTrue();
        assertThat(newest.path("nextAttemptAt").isNull()).isTrue();
        assertThat(newest.path("lastAttemptAt").asText()).isNotEmpty();
        assertThat(deliveries(mueller, id, "?status=failed").path("items")).isEmpty();
    }

    @Test
    void retriesKeepTheWebhookIdAndTheOrderOfAConversationWhileOthersFlow() {
        String id = subscribe(mueller, ERP.url("/erp"), null).path("id").asText();
        // Conversation A's first event fails three times; B's events go on meanwhile.
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        ERP.answer(r -> r.json().path("conversationId").asLong() == conversationOf("4917600000011")
                && r.json().path("type").asText().equals("conversation.created") && failures.getAndIncrement() < 3
                ? WebhookReceiver.Answer.status(503) : WebhookReceiver.Answer.status(200));
        inbound("4917600000011", "wamid.a1");
        inbound("4917600000011", "wamid.a2"); // A: created, inbound, inbound
        inbound("4917600000012", "wamid.b1"); // B: created, inbound
        long a = conversationOf("4917600000011");
        long b = conversationOf("4917600000012");
        List<Long> aEvents = eventsOf(a);
        List<Long> bEvents = eventsOf(b);
        assertThat(aEvents).hasSize(3);

        await().atMost(Duration.ofSeconds(15)).until(() -> ERP.requests("/erp").size() >= 3 + 2 + 3);
        await().atMost(Duration.ofSeconds(15)).until(() -> aEvents.stream().allMatch(e ->
                "delivered".equals(deliveryStatus(mueller, id, e))));
        List<WebhookReceiver.Request> got = ERP.requests("/erp");
        List<WebhookReceiver.Request> first = got.stream().filter(r -> r.eventId() == aEvents.get(0)).toList();
        assertThat(first).hasSize(4); // three failures, then the delivery
        assertThat(first).extracting(WebhookReceiver.Request::webhookId).containsOnly("evt_mueller_" + aEvents.get(0));
        // A's later events were sent only after its first was delivered, in id order
        int firstDelivered = got.indexOf(first.get(3));
        List<Long> aOrder = got.stream().map(WebhookReceiver.Request::eventId).filter(aEvents::contains).distinct().toList();
        assertThat(aOrder).containsExactlyElementsOf(aEvents);
        for (int i = 0; i < firstDelivered; i++) {
            assertThat(got.get(i).eventId()).as("nothing later of A before its first is delivered")
                    .isNotIn(aEvents.get(1), aEvents.get(2));
        }
        // B did not wait for A's retries
        int bDone = got.stream().map(WebhookReceiver.Request::eventId).toList().lastIndexOf(bEvents.get(1));
        assertThat(bDone).as("B delivered while A was still retrying").isLessThan(firstDelivered);
        JsonNode d = delivery(mueller, id, aEvents.get(0));
        assertThat(d.path("attempts").asInt()).isEqualTo(4);
        assertThat(d.path("lastStatusCode").asInt()).isEqualTo(200);
    }

    @Test
    void eventsWithoutAConversationDoNotWaitForEachOther() {
        String id = subscribe(mueller, ERP.url("/loose"), List.of("messaging.optin")).path("id").asText();
        ERP.answer(r -> r.json().path("source").asText().equals("first") ? WebhookReceiver.Answer.status(500)
                : WebhookReceiver.Answer.status(200));
        long tenantId = jdbc.queryForObject("select id from tenant where slug = 'mueller'", Long.class);
        // opt-ins of phones that never wrote: events of the tenant with no conversation
        for (String source : List.of("first", "second")) {
            de.inboxgateway.access.TenantScope.as(tenantId, () -> eventLog.publish(tenantId, null, "+4917600000095",
                    new de.inboxgateway.events.TenantEvent.OptIn("whatsapp", "+4917600000095", source, "2026-01-01T00:00:00Z")));
        }
        List<Long> events = eventIds("mueller", "messaging.optin");
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(deliveryStatus(mueller, id, events.get(1))));
        assertThat(deliveryStatus(mueller, id, events.get(0))).as("the first is still being retried").isEqualTo("pending");
    }

    @Test
    void a410FailsTheDeliveryDisablesTheSubscriptionAndAPatchReenablesIt() {
        String id = subscribe(mueller, ERP.url("/gone"), null).path("id").asText();
        ERP.answer(r -> WebhookReceiver.Answer.status(410));
        inbound("4917600000021", "wamid.gone-1");
        long created = eventIds("mueller", "conversation.created").get(0);
        long message = eventIds("mueller", "messaging.inbound").get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> "failed".equals(deliveryStatus(mueller, id, created)));
        assertThat(api(mueller, "/api/v1/webhook-subscriptions/" + id).json().path("status").asText()).isEqualTo("disabled");
        assertThat(delivery(mueller, id, created).path("lastStatusCode").asInt()).isEqualTo(410);
        assertThat(count("select count(*) from audit_entry where type = 'webhook.subscription.disabled'")).isEqualTo(1);
        assertThat(count("select count(*) from audit_entry where type = 'webhook.delivery.failed'")).isEqualTo(1);
        // held, not lost: the next event waits for the subscription to come back
        assertThat(deliveryStatus(mueller, id, message)).isIn(null, "pending");

        ERP.answer(r -> WebhookReceiver.Answer.status(204));
        Http.Response r = http.patch("/api/v1/webhook-subscriptions/" + id, "{\"status\":\"active\"}", auth(mueller));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("active");
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(deliveryStatus(mueller, id, message)));
        assertThat(deliveryStatus(mueller, id, created)).as("the 410 one stays failed until retried").isEqualTo("failed");
    }

    @Test
    void giveUpDeadLetterManualRetryAndReplayWithTheOriginalWebhookIds() {
        String id = subscribe(mueller, ERP.url("/down"), List.of("messaging.inbound")).path("id").asText();
        ERP.answer(r -> WebhookReceiver.Answer.status(500));
        inbound("4917600000031", "wamid.down-1");
        long message = eventIds("mueller", "messaging.inbound").get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> ERP.requests("/down").size() >= 2);
        assertThat(ERP.requests("/down")).extracting(WebhookReceiver.Request::eventId).containsOnly(message);
        assertThat(deliveryStatus(mueller, id, message)).isEqualTo("pending");

        clock.advance(Duration.ofHours(25)); // past gateway.push.give-up-after (24 h) since the first failure
        await().atMost(Duration.ofSeconds(10)).until(() -> "failed".equals(deliveryStatus(mueller, id, message)));
        JsonNode dead = deliveries(mueller, id, "?status=failed").path("items");
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).path("lastError").asText()).contains("gave up").contains("HTTP 500");
        assertThat(dead.get(0).path("lastStatusCode").asInt()).isEqualTo(500);
        assertThat(jdbc.queryForObject("select detail ->> 'eventId' from audit_entry where type = 'webhook.delivery.failed'",
                String.class)).isEqualTo(Long.toString(message));

        ERP.answer(r -> WebhookReceiver.Answer.status(200));
        int before = ERP.requests("/down").size();
        Http.Response retry = http.post("/api/v1/webhook-subscriptions/" + id + "/deliveries/" + message + "/retry", "",
                auth(mueller));
        assertThat(retry.status()).as(retry.toString()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(deliveryStatus(mueller, id, message)));
        assertThat(ERP.requests("/down").get(before).webhookId()).isEqualTo("evt_mueller_" + message);
        assertThat(http.post("/api/v1/webhook-subscriptions/" + id + "/deliveries/999999/retry", "", auth(mueller)).status())
                .isEqualTo(404);

        // the ERP lost its data: replay since 0 delivers every matching event again, same webhook-id
        inbound("4917600000032", "wamid.down-2");
        long second = eventIds("mueller", "messaging.inbound").get(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(deliveryStatus(mueller, id, second)));
        int beforeReplay = ERP.requests("/down").size();
        Http.Response replay = http.post("/api/v1/webhook-subscriptions/" + id + "/replay", "{\"sinceEventId\":0}",
                auth(mueller));
        assertThat(replay.status()).as(replay.toString()).isEqualTo(202);
        assertThat(replay.json().path("queued").asInt()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(10)).until(() -> ERP.requests("/down").size() == beforeReplay + 2);
        assertThat(ERP.requests("/down").subList(beforeReplay, beforeReplay + 2))
                .extracting(WebhookReceiver.Request::webhookId) // two conversations: in any order
                .containsExactlyInAnyOrder("evt_mueller_" + message, "evt_mueller_" + second);
        Http.Response since = http.post("/api/v1/webhook-subscriptions/" + id + "/replay",
                "{\"sinceEventId\":" + message + "}", auth(mueller));
        assertThat(since.json().path("queued").asInt()).as("only the events after the given one").isEqualTo(1);
        assertThat(http.post("/api/v1/webhook-subscriptions/" + id + "/replay", "{}", auth(mueller)).code())
                .isEqualTo("INVALID_REQUEST");
    }

    @Test
    void aHangingReceiverIsCutOffAtTheTimeoutAndTriedAgain() {
        String id = subscribe(mueller, ERP.url("/slow"), List.of("conversation.created")).path("id").asText();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ERP.answer(r -> WebhookReceiver.Answer.hang(release));
        try {
            inbound("4917600000041", "wamid.slow-1");
            long event = eventIds("mueller", "conversation.created").get(0);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                JsonNode d = delivery(mueller, id, event);
                return d != null && d.path("lastError").asText().contains("no complete answer within 1500 ms");
            });
            assertThat(deliveryStatus(mueller, id, event)).isEqualTo("pending");
        } finally {
            release.countDown();
        }
    }

    @Test
    void theTimeoutCoversTheWholeAttemptEvenWhenTheAnswerTrickles() {
        String id = subscribe(mueller, ERP.url("/trickle"), List.of("conversation.created")).path("id").asText();
        ERP.answer(r -> WebhookReceiver.Answer.trickle(200)); // 200 at once, then a byte every 300 ms
        inbound("4917600000046", "wamid.trickle-1");
        long event = eventIds("mueller", "conversation.created").get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode d = delivery(mueller, id, event);
            return d != null && d.path("lastError").asText().contains("no complete answer within 1500 ms");
        });
        assertThat(deliveryStatus(mueller, id, event)).as("a 200 whose answer outlasts the timeout is no delivery")
                .isEqualTo("pending");
    }

    @Test
    void anEndlessAnswerIsCutOffAfterItsFirstBytesNotReadToTheTimeout() {
        String id = subscribe(mueller, ERP.url("/chatty"), List.of("conversation.created")).path("id").asText();
        ERP.answer(r -> WebhookReceiver.Answer.endless(500));
        inbound("4917600000045", "wamid.chatty-1");
        long event = eventIds("mueller", "conversation.created").get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode d = delivery(mueller, id, event);
            return d != null && d.path("lastStatusCode").asInt() == 500;
        });
        String error = delivery(mueller, id, event).path("lastError").asText();
        // the status and the start of the answer, not a timeout: the rest was never read
        assertThat(error).startsWith("HTTP 500: xxx").doesNotContain("within").hasSizeLessThan(400);
    }

    @Test
    void retryAfterIsHonouredAndRedirectsAreNotFollowed() {
        String id = subscribe(mueller, ERP.url("/busy"), List.of("conversation.created")).path("id").asText();
        ERP.answer(r -> r.path().equals("/busy") ? WebhookReceiver.Answer.status(429, "Retry-After", "3")
                : WebhookReceiver.Answer.status(200));
        inbound("4917600000051", "wamid.busy-1");
        long event = eventIds("mueller", "conversation.created").get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode d = delivery(mueller, id, event);
            return d != null && d.path("lastStatusCode").asInt() == 429;
        });
        JsonNode d = delivery(mueller, id, event);
        java.time.Instant last = java.time.Instant.parse(d.path("lastAttemptAt").asText());
        java.time.Instant next = java.time.Instant.parse(d.path("nextAttemptAt").asText());
        assertThat(Duration.between(last, next)).as("Retry-After: 3").isGreaterThanOrEqualTo(Duration.ofMillis(2900));

        String moved = subscribe(mueller, ERP.url("/moved"), List.of("conversation.created")).path("id").asText();
        ERP.answer(r -> r.path().equals("/moved") ? WebhookReceiver.Answer.status(302, "Location", ERP.url("/elsewhere"))
                : WebhookReceiver.Answer.status(429, "Retry-After", "3"));
        inbound("4917600000052", "wamid.moved-1");
        long second = eventIds("mueller", "conversation.created").get(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode m = delivery(mueller, moved, second);
            return m != null && m.path("lastStatusCode").asInt() == 302;
        });
        assertThat(delivery(mueller, moved, second).path("status").asText()).isEqualTo("pending");
        assertThat(delivery(mueller, moved, second).path("lastError").asText()).contains("redirects are not followed");
        assertThat(ERP.requests("/elsewhere")).isEmpty();
    }

    @Test
    void eventsDuringAPauseAreHeldAndDeliveredAfterIt() {
        String paused = subscribe(mueller, ERP.url("/paused"), null).path("id").asText();
        String witness = subscribe(mueller, ERP.url("/witness"), null).path("id").asText();
        Http.Response r = http.patch("/api/v1/webhook-subscriptions/" + paused, "{\"status\":\"paused\"}", auth(mueller));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("status").asText()).isEqualTo("paused");
        inbound("4917600000061", "wamid.pause-1");
        // the job has run: the other subscription got both events, the paused one nothing
        await().atMost(Duration.ofSeconds(10)).until(() -> ERP.requests("/witness").size() == 2);
        assertThat(ERP.requests("/paused")).isEmpty();
        assertThat(deliveries(mueller, witness, "").path("items")).hasSize(2);

        assertThat(http.patch("/api/v1/webhook-subscriptions/" + paused, "{\"status\":\"active\"}", auth(mueller))
                .status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> ERP.requests("/paused").size() == 2);
        assertThat(http.patch("/api/v1/webhook-subscriptions/" + paused, "{\"status\":\"disabled\"}", auth(mueller))
                .code()).isEqualTo("INVALID_REQUEST");
    }

    @Test
    void aPauseDoesNotCountTowardsGivingUp() {
        String id = subscribe(mueller, ERP.url("/pausing"), List.of("conversation.created")).path("id").asText();
        ERP.answer(r -> WebhookReceiver.Answer.status(500));
        inbound("4917600000065", "wamid.pausing-1");
        long event = eventIds("mueller", "conversation.created").get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode d = delivery(mueller, id, event);
            return d != null && d.path("lastStatusCode").asInt() == 500; // the give-up clock runs from here
        });
        String patch = "/api/v1/webhook-subscriptions/" + id;
        assertThat(http.patch(patch, "{\"status\":\"paused\"}", auth(mueller)).status()).isEqualTo(200);
        clock.advance(Duration.ofHours(25)); // paused longer than gateway.push.give-up-after (24 h)
        assertThat(http.patch(patch, "{\"status\":\"active\"}", auth(mueller)).status()).isEqualTo(200);
        // The test clock stands still at +25 h: the attempt after the pause is the one that would give up.
        java.time.Instant resumedAt = clock.instant();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            JsonNode d = delivery(mueller, id, event);
            return d.path("status").asText().equals("failed") || (d.path("attempts").asInt() >= 2
                    && !d.path("nextAttemptAt").isNull()
                    && java.time.Instant.parse(d.path("nextAttemptAt").asText()).isAfter(resumedAt));
        });
        assertThat(deliveryStatus(mueller, id, event)).as("still retried after the pause, not given up").isEqualTo("pending");
        assertThat(count("select count(*) from audit_entry where type = 'webhook.delivery.failed'")).isZero();
    }

    @Test
    void subscriptionsAreValidatedListedChangedAndRemoved() {
        String base = "/api/v1/webhook-subscriptions";
        assertThat(http.post(base, "{\"url\":\"" + ERP.url("/x") + "\",\"types\":[]}", auth(mueller)).code())
                .isEqualTo("INVALID_REQUEST");
        assertThat(http.post(base, "{\"url\":\"" + ERP.url("/x") + "\",\"types\":[\"no.such\"]}", auth(mueller)).code())
                .isEqualTo("INVALID_REQUEST");
        assertThat(http.post(base, "{\"types\":null}", auth(mueller)).code()).isEqualTo("INVALID_REQUEST");
        assertThat(http.post(base, "{\"url\":\"ftp://127.0.0.1/x\"}", auth(mueller)).status()).isEqualTo(400);
        TestTenant readOnly = new TestTenant("mueller", apiKey("mueller", List.of("messaging:read")));
        assertThat(http.post(base, "{\"url\":\"" + ERP.url("/x") + "\"}", auth(readOnly)).status()).isEqualTo(403);
        assertThat(http.get(base, "Authorization", readOnly.bearer()).status()).isEqualTo(403);

        JsonNode created = subscribe(mueller, ERP.url("/x"), List.of("messaging.inbound", "messaging.status"));
        String id = created.path("id").asText();
        assertThat(created.path("types")).hasSize(2);
        JsonNode listed = api(mueller, base).json().path("items");
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).has("secret")).as("the secret is shown once").isFalse();
        assertThat(api(mueller, base + "/" + id).json().has("secret")).isFalse();
        byte[] sealed = jdbc.queryForObject("select secret from webhook_subscription", byte[].class);
        assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(created.path("secret").asText().substring(6));

        Http.Response patched = http.patch(base + "/" + id, "{\"url\":\"" + ERP.url("/y") + "\",\"types\":null}",
                auth(mueller));
        assertThat(patched.status()).as(patched.toString()).isEqualTo(200);
        assertThat(patched.json().path("url").asText()).isEqualTo(ERP.url("/y"));
        assertThat(patched.json().path("types").isNull()).isTrue();
        assertThat(patched.json().path("description").asText()).isEqualTo("ERP Anfragen");
        assertThat(http.patch(base + "/" + id, "{\"types\":[]}", auth(mueller)).status()).isEqualTo(400);

        assertThat(http.delete(base + "/" + id, "Authorization", mueller.bearer()).status()).isEqualTo(204);
        assertThat(api(mueller, base + "/" + id).status()).isEqualTo(404);
        assertThat(api(mueller, base + "/not-a-uuid").status()).isEqualTo(404);
        assertThat(count("select count(*) from audit_entry where type like 'webhook.subscription.%'")).isEqualTo(3);
    }

    @Test
    void oneTenantNeitherSeesNorControlsAnothersSubscriptions() {
        String id = subscribe(mueller, ERP.url("/mueller"), null).path("id").asText();
        otherTenant();
        TestTenant schmidt = new TestTenant("schmidt", apiKey("schmidt", PUSH_SCOPES));
        String theirs = subscribe(schmidt, ERP.url("/schmidt"), null).path("id").asText();
        String base = "/api/v1/webhook-subscriptions/" + id;
        assertThat(api(schmidt, "/api/v1/webhook-subscriptions").json().path("items")).extracting(n -> n.path("id").asText())
                .containsExactly(theirs);
        assertThat(api(schmidt, base).status()).isEqualTo(404);
        assertThat(api(schmidt, base + "/deliveries").status()).isEqualTo(404);
        assertThat(http.patch(base, "{\"status\":\"paused\"}", auth(schmidt)).status()).isEqualTo(404);
        assertThat(http.post(base + "/replay", "{\"sinceEventId\":0}", auth(schmidt)).status()).isEqualTo(404);
        assertThat(http.post(base + "/deliveries/1/retry", "", auth(schmidt)).status()).isEqualTo(404);
        assertThat(http.delete(base, "Authorization", schmidt.bearer()).status()).isEqualTo(404);
        assertThat(api(mueller, base).json().path("status").asText()).isEqualTo("active");

        inbound("4917600000071", "wamid.iso-1"); // an event of mueller only
        await().atMost(Duration.ofSeconds(10)).until(() -> ERP.requests("/mueller").size() == 2);
        assertThat(ERP.requests("/schmidt")).isEmpty();
        assertThat(ERP.requests("/mueller")).allSatisfy(r -> assertThat(r.json().path("tenant").asText()).isEqualTo("mueller"));
    }

    @Test
    void metricsCountDeliveriesAttemptsAndTheOldestPendingAge() {
        double delivered = counter(meters, "gateway.push.deliveries", "outcome", "delivered");
        double attempts = counter(meters, "gateway.push.attempts", null, null);
        double retried = counter(meters, "gateway.push.deliveries", "outcome", "retried");
        String id = subscribe(mueller, ERP.url("/m"), null).path("id").asText();
        ERP.answer(r -> r.json().path("type").asText().equals("messaging.inbound") ? WebhookReceiver.Answer.status(500)
                : WebhookReceiver.Answer.status(200));
        inbound("4917600000081", "wamid.metrics-1");
        await().atMost(Duration.ofSeconds(10)).until(() ->
                counter(meters, "gateway.push.deliveries", "outcome", "delivered") >= delivered + 1
                        && counter(meters, "gateway.push.deliveries", "outcome", "retried") >= retried + 1);
        assertThat(counter(meters, "gateway.push.attempts", null, null)).isGreaterThanOrEqualTo(attempts + 2);
        erpPush.measure();
        assertThat(meters.get("gateway.push.oldest.pending.age").tag("subscription", id).gauge().value())
                .isGreaterThanOrEqualTo(0);
    }

    @Test
    void endedDeliveriesGoWithTheEventRetentionPendingOnesStay() throws Exception {
        String id = subscribe(mueller, ERP.url("/kept"), null).path("id").asText();
        ERP.answer(r -> r.json().path("type").asText().equals("messaging.inbound") ? WebhookReceiver.Answer.status(500)
                : WebhookReceiver.Answer.status(200));
        inbound("4917600000091", "wamid.kept-1");
        long created = eventIds("mueller", "conversation.created").get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> "delivered".equals(deliveryStatus(mueller, id, created))
                && ERP.requests("/kept").size() >= 2);
        // the job holds still meanwhile: 8 days on, the retried delivery would be given up at its next attempt
        camel.getRouteController().stopRoute("erp-push-poll");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> camel.getInflightRepository().size() == 0);
            clock.advance(Duration.ofDays(8)); // past gateway.events.retention (7 days)
            erpPush.purge();
            assertThat(jdbc.queryForList("select status from webhook_delivery", String.class)).containsExactly("pending");
        } finally {
            camel.getRouteController().startRoute("erp-push-poll");
        }
    }

    private static double counter(io.micrometer.core.instrument.MeterRegistry meters, String name, String tag, String value) {
        io.micrometer.core.instrument.search.Search s = meters.find(name);
        if (tag != null) {
            s = s.tag(tag, value);
        }
        io.micrometer.core.instrument.Counter c = s.counter();
        return c == null ? 0 : c.count();
    }

    private long conversationOf(String waId) {
        List<Long> ids = jdbc.queryForList("select id from conversation where phone = ?", Long.class, "+" + waId);
        return ids.isEmpty() ? -1 : ids.get(0);
    }

    private List<Long> eventsOf(long conversationId) {
        return jdbc.queryForList("select id from tenant_event where conversation_id = ? order by id", Long.class,
                conversationId);
    }
}
