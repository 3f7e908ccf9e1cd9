package de.inboxgateway.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.Http;

/**
 * The resident's photo: the webhook is answered as soon as the message is committed, the photo is
 * downloaded afterwards from Meta (or Twilio) with the channel's credentials, verified, stored, and
 * announced on the feed; the inbox then opens it by id or by a signed link.
 */
class InboundMediaIT extends MediaFlows {

    private TestTenant mueller;

    @BeforeEach
    void setUp() {
        mueller = fixtureTenant();
        graphServesMedia();
    }

    @Test
    void thePhotoIsFetchedAfterTheCommitStoredAndAnnouncedOnTheFeed() throws Exception {
        byte[] photo = jpeg(300_000);
        graphFiles.put("1187345620098817", photo);
        try (FeedClient feed = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey())) {
            Http.Response r = postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.photo-1", "image",
                    "1187345620098817", photo, null, "Wasser unter der Spülmaschine", null));
            assertThat(r.status()).as(r.toString()).isEqualTo(200);

            List<JsonNode> events = feed.until(e -> "messaging.media".equals(e.path("type").asText()), Duration.ofSeconds(20));
            JsonNode inbound = events.stream().filter(e -> "messaging.inbound".equals(e.path("type").asText()))
                    .findFirst().orElseThrow();
            JsonNode pendingItem = inbound.path("message").path("media").path(0);
            assertThat(pendingItem.path("status").asText()).isEqualTo("pending");
            assertThat(pendingItem.path("kind").asText()).isEqualTo("image");
            assertThat(pendingItem.path("caption").asText()).isEqualTo("Wasser unter der Spülmaschine");
            JsonNode media = events.get(events.size() - 1);
            assertThat(media.path("messageId").asLong()).isEqualTo(inbound.path("message").path("id").asLong());
            assertThat(media.path("media").path("id").asText()).isEqualTo(pendingItem.path("id").asText());
            assertStored(media.path("media"), photo);
            assertThat(media.path("media").path("mimeType").asText()).isEqualTo("image/jpeg");
        }
        // Both calls carried the channel's token: lookup by id, then the URL it gave.
        List<FakeProvider.Request> calls = GRAPH.requests();
        assertThat(calls).extracting(FakeProvider.Request::path).containsExactly("/v23.0/1187345620098817",
                "/cdn/1187345620098817");
        assertThat(calls).allSatisfy(c -> {
            assertThat(c.header("Authorization")).isEqualTo("Bearer access-mueller");
            assertThat(c.header("User-Agent")).isNotBlank();
        });
        assertThat(calls.get(0).query()).isEqualTo("phone_number_id=" + Fixtures.PHONE_NUMBER_ID);
        assertThat(calls.get(1).query()).isEqualTo("ext=1"); // Meta's URL is used as given, query and all

        JsonNode item = newestMedia(mueller);
        Http.Bytes bytes = http.getBytes("/api/v1/media/" + item.path("id").asText(), "Authorization", mueller.bearer());
        assertThat(bytes.status()).isEqualTo(200);
        assertThat(bytes.body()).isEqualTo(photo);
        assertThat(bytes.header("Content-Type")).isEqualTo("image/jpeg");
        assertThat(bytes.header("Content-Length")).isEqualTo(String.valueOf(photo.length));
        assertThat(bytes.header("ETag")).isEqualTo("\"" + hex(photo) + "\"");
        assertThat(bytes.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(bytes.header("Content-Disposition")).startsWith("inline");
        assertThat(storedBytes(storageKey(item))).isEqualTo(photo);

        Http.Bytes cached = http.getBytes("/api/v1/media/" + item.path("id").asText(), "Authorization", mueller.bearer(),
                "If-None-Match", "\"" + hex(photo) + "\"");
        assertThat(cached.status()).isEqualTo(304);
        assertThat(cached.body()).isEmpty();
    }

    @Test
    void theWebhookIsAnsweredWithoutWaitingForTheDownload() {
        byte[] photo = jpeg(50_000);
        graphFiles.put("555", photo);
        GRAPH.respond(req -> req.path().startsWith("/cdn/")
                ? FakeProvider.Response.bytes("image/jpeg", photo).delayed(1500)
                : FakeProvider.Response.of(200, "{\"url\":\"" + GRAPH.baseUrl() + "/cdn/555\",\"sha256\":\"" + hex(photo)
                        + "\",\"file_size\":" + photo.length + "}"));
        long start = System.nanoTime();
        Http.Response r = postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.fast-1", "image", "555", photo,
                null, null, null));
        long ackMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).isEqualTo(200);
        assertThat(ackMillis).as("the 200 never waits for the 1.5 s download").isLessThan(1200);
        assertThat(newestMedia(mueller).path("status").asText()).isEqualTo("pending");
        assertStored(awaitMediaEnded(mueller), photo);
    }

    @Test
    void anExpiredWebhookUrlIsReplacedByAFreshOneFetchedByTheMediaId() {
        byte[] photo = jpeg(20_000);
        graphFiles.put("777", photo);
        String expired = GRAPH.baseUrl() + "/cdn/expired-777";
        postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.expired-1", "image", "777", photo, expired, null, null));

        assertStored(awaitMediaEnded(mueller), photo);
        assertThat(GRAPH.requests()).extracting(FakeProvider.Request::path)
                .containsExactly("/cdn/expired-777", "/v23.0/777", "/cdn/777");
    }

    @Test
    void transientFailuresAreRetriedWithBackoffUntilTheFileArrives() {
        byte[] photo = jpeg(20_000);
        graphFiles.put("888", photo);
        var failures = new java.util.concurrent.atomic.AtomicInteger(2);
        GRAPH.respond(req -> {
            if (req.path().equals("/cdn/888") && failures.getAndDecrement() > 0) {
                return FakeProvider.Response.of(503, "{\"error\":{\"message\":\"temporarily unavailable\"}}");
            }
            return req.path().equals("/cdn/888") ? FakeProvider.Response.bytes("image/jpeg", photo)
                    : FakeProvider.Response.of(200, "{\"url\":\"" + GRAPH.baseUrl() + "/cdn/888\",\"sha256\":\""
                            + hex(photo) + "\",\"file_size\":\"" + photo.length + "\"}");
        });
        postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.retry-1", "image", "888", photo, null, null, null));

        for (int attempt = 1; attempt <= 2; attempt++) {
            int expected = attempt;
            await().atMost(Duration.ofSeconds(10)).until(() -> count("select attempts from media") == expected
                    && count("select count(*) from media where lease_until is null and next_attempt_at is not null") == 1);
            Map<String, Object> row = jdbc.queryForMap("select status, error_message, next_attempt_at from media");
            assertThat(row.get("status")).isEqualTo("pending");
            assertThat((String) row.get("error_message")).contains("HTTP 503");
            Instant next = ((java.sql.Timestamp) row.get("next_attempt_at")).toInstant();
            // The first retry comes within a minute; the client itself retried nothing (one call per attempt).
            assertThat(Duration.between(clock.instant(), next)).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(attempt * 40L));
            assertThat(GRAPH.requests().stream().filter(c -> c.path().equals("/cdn/888")).count()).isEqualTo(attempt);
            clock.advance(Duration.between(clock.instant(), next).plusSeconds(1));
        }
        assertStored(awaitMediaEnded(mueller), photo);
        assertThat(count("select attempts from media")).isEqualTo(3);
    }

    @Test
    void aPermanentRefusalEndsFailedNamingTheProvidersStatus() throws Exception {
        byte[] photo = jpeg(1000); // not served: the lookup answers 404
        try (FeedClient feed = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey())) {
            postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.gone-1", "image", "404404", photo, null, null, null));
            JsonNode event = feed.until(e -> "messaging.media".equals(e.path("type").asText()), Duration.ofSeconds(20))
                    .stream().reduce((a, b) -> b).orElseThrow();
            assertThat(event.path("media").path("status").asText()).isEqualTo("failed");
            assertThat(event.path("media").path("error").path("code").asText()).isEqualTo("MEDIA_DOWNLOAD_FAILED");
            assertThat(event.path("media").path("error").path("message").asText()).contains("HTTP 404");
        }
        JsonNode item = newestMedia(mueller);
        Http.Response r = api(mueller, "/api/v1/media/" + item.path("id").asText());
        assertThat(r.status()).isEqualTo(409);
        assertThat(r.code()).isEqualTo("MEDIA_NOT_STORED");
        assertThat(count("select attempts from media")).isEqualTo(1);
    }

    @Test
    void aFileOverTheLimitIsRejectedWithoutReadingIt() {
        byte[] big = jpeg((int) MEDIA_MAX_BYTES + 1_000_000);
        // Meta says how large it is: nothing is downloaded at all.
        graphFiles.put("999", big);
        postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.big-1", "image", "999", big, null, null, null));
        JsonNode item = awaitMediaEnded(mueller);
        assertThat(item.path("status").asText()).isEqualTo("rejected");
        assertThat(item.path("error").path("code").asText()).isEqualTo("MEDIA_TOO_LARGE");
        assertThat(GRAPH.requests()).extracting(FakeProvider.Request::path).containsExactly("/v23.0/999");
    }

    @Test
    void aFileThatGrowsPastTheLimitWhileStreamingIsCutOffAndRejected() throws Exception {
        byte[] big = jpeg(3 * (int) MEDIA_MAX_BYTES);
        // No size in advance and a chunked answer: the cap holds while reading.
        GRAPH.respond(req -> req.path().startsWith("/cdn/") ? FakeProvider.Response.bytes("image/jpeg", big).inChunks()
                : FakeProvider.Response.of(200, "{\"url\":\"" + GRAPH.baseUrl() + "/cdn/x\"}"));
        postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.big-2", "image", "1001", big, null, null, null));
        JsonNode item = awaitMediaEnded(mueller);
        assertThat(item.path("status").asText()).isEqualTo("rejected");
        assertThat(item.path("error").path("code").asText()).isEqualTo("MEDIA_TOO_LARGE");
        assertThat(store.exists(storageKey(item))).isFalse();
        assertThat(GRAPH.bytesWritten()).as("the download stopped near the limit, not at the end")
                .isLessThan(big.length);
    }

    @Test
    void bytesThatDoNotMatchMetasChecksumAreNotStoredAndTriedAgain() throws Exception {
        byte[] photo = jpeg(10_000);
        byte[] corrupted = photo.clone();
        corrupted[5000] ^= 1;
        GRAPH.respond(req -> req.path().startsWith("/cdn/") ? FakeProvider.Response.bytes("image/jpeg", corrupted)
                : FakeProvider.Response.of(200, "{\"url\":\"" + GRAPH.baseUrl() + "/cdn/x\",\"sha256\":\"" + hex(photo) + "\"}"));
        postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.sha-1", "image", "1002", photo, null, null, null));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                count("select count(*) from media where next_attempt_at is not null and lease_until is null and attempts = 1") == 1);
        assertThat(jdbc.queryForObject("select error_message from media", String.class)).contains("sha256");
        assertThat(jdbc.queryForObject("select status from media", String.class)).isEqualTo("pending");
        assertThat(store.exists(jdbc.queryForObject("select storage_key from media", String.class))).isFalse();
    }

    @Test
    void twilioMediaIsFetchedWithBasicAuthAndTheCdnNeverSeesTheCredentials() {
        byte[] photo = jpeg(40_000);
        // Twilio's MediaUrl redirects to a CDN on another host (127.0.0.1 is another origin than localhost).
        String cdn = TWILIO.baseUrl().replace("localhost", "127.0.0.1") + "/cdn/ME1?x-amz-security-token=abc%2Fdef";
        TWILIO.respond(req -> req.path().startsWith("/cdn/") ? FakeProvider.Response.bytes("image/jpeg", photo)
                : FakeProvider.Response.redirect(307, cdn));
        String mediaUrl = TWILIO.baseUrl() + "/2010-04-01/Accounts/" + Fixtures.ACCOUNT_SID + "/Messages/MM1/Media/ME1";
        Http.Response r = postTwilioSigned("/webhooks/sms", new java.util.LinkedHashMap<>(Map.of("MessageSid",
                "MM00000000000000000000000000000001", "AccountSid", Fixtures.ACCOUNT_SID, "From", Fixtures.ANNA,
                "To", Fixtures.TWILIO_NUMBER, "Body", "Foto", "NumMedia", "1", "MediaUrl0", mediaUrl,
                "MediaContentType0", "image/jpeg")), Fixtures.AUTH_TOKEN);
        assertThat(r.status()).as(r.toString()).isEqualTo(200);

        assertStored(awaitMediaEnded(mueller), photo);
        List<FakeProvider.Request> calls = TWILIO.requests();
        assertThat(calls).hasSize(2);
        String basic = "Basic " + java.util.Base64.getEncoder().encodeToString((Fixtures.ACCOUNT_SID + ":"
                + Fixtures.AUTH_TOKEN).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(calls.get(0).path()).endsWith("/Media/ME1");
        assertThat(calls.get(0).header("Authorization")).isEqualTo(basic);
        assertThat(calls.get(1).path()).isEqualTo("/cdn/ME1");
        assertThat(calls.get(1).query()).isEqualTo("x-amz-security-token=abc%2Fdef");
        assertThat(calls.get(1).header("Authorization")).isNull();
    }

    @Test
    void linksServeTheBytesWithoutAHeaderUntilTheyExpire() {
        byte[] photo = jpeg(30_000);
        graphFiles.put("1003", photo);
        postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.link-1", "image", "1003", photo, null, null, null));
        String id = awaitMediaEnded(mueller).path("id").asText();

        Http.Response link = http.post("/api/v1/media/" + id + "/link", "", "Authorization", mueller.bearer());
        assertThat(link.status()).as(link.toString()).isEqualTo(200);
        String url = link.json().path("url").asText();
        assertThat(url).startsWith(Fixtures.PUBLIC_BASE_URL + "/media/");
        Instant expiresAt = Instant.parse(link.json().path("expiresAt").asText());
        assertThat(Duration.between(clock.instant(), expiresAt)).isBetween(Duration.ofMinutes(14), Duration.ofMinutes(15));
        String path = url.substring(Fixtures.PUBLIC_BASE_URL.length());

        Http.Bytes served = http.getBytes(path);
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.body()).isEqualTo(photo);
        assertThat(served.header("X-Content-Type-Options")).isEqualTo("nosniff");
        Http.Bytes head = http.headBytes(path); // Twilio asks with HEAD before GET
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Length")).isEqualTo(String.valueOf(photo.length));
        assertThat(head.header("Content-Type")).isEqualTo("image/jpeg");

        // A token changed by one character, or one past its expiry, is 404 (no hint which).
        String token = path.substring("/media/".length());
        int mac = token.indexOf('.') + 1;
        String forged = token.substring(0, mac) + (token.charAt(mac) == 'A' ? 'B' : 'A') + token.substring(mac + 1);
        assertThat(http.getBytes("/media/" + forged).status()).isEqualTo(404);
        // The last character carries two unused bits: another spelling of the same MAC is refused too.
        char last = token.charAt(token.length() - 1);
        String respelled = token.substring(0, token.length() - 1) + (char) (last ^ 1);
        assertThat(http.getBytes("/media/" + respelled).status()).isEqualTo(404);
        clock.advance(Duration.ofMinutes(16));
        Http.Bytes expired = http.getBytes(path);
        assertThat(expired.status()).isEqualTo(404);
        assertThat(new String(expired.body())).contains("\"code\":\"NOT_FOUND\"");
    }

    @Test
    void anotherTenantsMediaIdAndLinkAre404() {
        byte[] photo = jpeg(10_000);
        graphFiles.put("1004", photo);
        TestTenant schmidt = otherTenant();
        postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.iso-1", "image", "1004", photo, null, null, null));
        String id = awaitMediaEnded(mueller).path("id").asText();

        assertThat(api(schmidt, "/api/v1/media/" + id).status()).isEqualTo(404);
        assertThat(http.post("/api/v1/media/" + id + "/link", "", "Authorization", schmidt.bearer()).status()).isEqualTo(404);
        Http.Response send = http.post("/api/v1/messages", json(Map.of("channel", "whatsapp", "to", Fixtures.ANNA,
                "media", Map.of("id", id))), "Authorization", schmidt.bearer(), "Content-Type", "application/json");
        assertThat(send.status()).as(send.toString()).isEqualTo(404);
        assertThat(api(mueller, "/api/v1/media/" + id).status()).isEqualTo(200);
        assertThat(api(mueller, "/api/v1/media/not-a-uuid").status()).isEqualTo(404);
    }

    @Test
    void erasureDeletesTheStoredBytesAndTheirLinksStopWorking() throws Exception {
        byte[] photo = jpeg(10_000);
        graphFiles.put("1005", photo);
        postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.erase-1", "image", "1005", photo, null, null, null));
        JsonNode item = awaitMediaEnded(mueller);
        String link = http.post("/api/v1/media/" + item.path("id").asText() + "/link", "", "Authorization", mueller.bearer())
                .json().path("url").asText().substring(Fixtures.PUBLIC_BASE_URL.length());
        String key = storageKey(item);
        assertThat(store.exists(key)).isTrue();

        Http.Response report = http.delete("/api/v1/contacts/by-phone/" + Fixtures.ANNA.replace("+", "%2B")
                + "/messaging-data", "Authorization", mueller.bearer());
        assertThat(report.status()).as(report.toString()).isEqualTo(200);
        assertThat(report.json().path("erased").path("media").asInt()).isEqualTo(1);
        assertThat(store.exists(key)).isFalse();
        assertThat(api(mueller, "/api/v1/media/" + item.path("id").asText()).status()).isEqualTo(404);
        assertThat(http.getBytes(link).status()).isEqualTo(404);
        assertThat(count("select count(*) from media")).isZero();
        assertThat(count("select count(*) from tenant_event where payload::text like '%" + item.path("id").asText() + "%'"))
                .as("no event still names the erased media").isZero();
    }

    @Test
    void aPhotoErasedWhileItDownloadsLeavesNoBytesBehind() throws Exception {
        byte[] photo = jpeg(20_000);
        GRAPH.respond(req -> req.path().startsWith("/cdn/") ? FakeProvider.Response.bytes("image/jpeg", photo).delayed(1500)
                : FakeProvider.Response.of(200, "{\"url\":\"" + GRAPH.baseUrl() + "/cdn/1006\",\"sha256\":\"" + hex(photo)
                        + "\"}"));
        postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.erase-2", "image", "1006", photo, null, null, null));
        await().atMost(Duration.ofSeconds(10)).until(() -> GRAPH.requests().stream().anyMatch(r -> r.path().startsWith("/cdn/")));
        Http.Response report = http.delete("/api/v1/contacts/by-phone/" + Fixtures.ANNA.replace("+", "%2B")
                + "/messaging-data", "Authorization", mueller.bearer());
        assertThat(report.json().path("erased").path("media").asInt()).isEqualTo(1);
        // The download in flight finishes after the erasure: its bytes must not stay in the store.
        await().atMost(Duration.ofSeconds(10)).until(() -> camel.getInflightRepository().size() == 0);
        assertThat(storedObjects()).isZero();
        assertThat(count("select count(*) from tenant_event where type = 'messaging.media'")).isZero();
    }

    private String storageKey(JsonNode item) {
        return jdbc.queryForObject("select storage_key from media where id = ?::uuid", String.class, item.path("id").asText());
    }
}
