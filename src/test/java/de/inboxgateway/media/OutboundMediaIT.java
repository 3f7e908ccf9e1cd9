package de.inboxgateway.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.Http;

/**
 * The manager's PDF: uploaded once (type from the bytes, size capped while streaming), then sent to
 * a resident through every gate: on WhatsApp uploaded to Meta and sent by its id, on an MMS channel
 * as a signed link Twilio fetches.
 */
class OutboundMediaIT extends MediaFlows {

    private TestTenant mueller;

    @Autowired
    private MediaUploads uploads;

    @BeforeEach
    void setUp() {
        mueller = fixtureTenant();
        graphServesMedia();
        // Anna wrote 1 hour ago: the WhatsApp window is open.
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.hello",
                clock.instant().minusSeconds(3600).getEpochSecond(), "Hallo"), Fixtures.APP_SECRET);
        GRAPH.reset();
        graphServesMedia();
    }

    private Http.Response upload(byte[] bytes, String contentType, String query, String... auth) {
        String[] headers = auth.length > 0 ? auth : new String[] {"Authorization", mueller.bearer()};
        String[] all = new String[headers.length + 2];
        System.arraycopy(headers, 0, all, 0, headers.length);
        all[headers.length] = "Content-Type";
        all[headers.length + 1] = contentType;
        return http.post("/api/v1/media" + (query == null ? "" : query), bytes, all);
    }

    private Http.Response send(Map<String, Object> body) {
        return http.post("/api/v1/messages", json(body), "Authorization", mueller.bearer(), "Content-Type", "application/json");
    }

    @Test
    void aPdfIsUploadedOnceThenSentOnWhatsappByMetasId() throws Exception {
        byte[] pdf = pdf(200_000);
        Http.Response up = upload(pdf, "application/pdf", "?filename=Hausordnung%202026.pdf");
        assertThat(up.status()).as(up.toString()).isEqualTo(201);
        JsonNode item = up.json();
        assertThat(item.path("kind").asText()).isEqualTo("document");
        assertThat(item.path("mimeType").asText()).isEqualTo("application/pdf");
        assertThat(item.path("size").asLong()).isEqualTo(pdf.length);
        assertThat(item.path("sha256").asText()).isEqualTo(hex(pdf));
        assertThat(item.path("status").asText()).isEqualTo("stored");

        Http.Response sent = send(Map.of("channel", "whatsapp", "to", Fixtures.ANNA, "media",
                Map.of("id", item.path("id").asText()), "text", "Die neue Hausordnung"));
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        assertThat(sent.json().path("status").asText()).isEqualTo("sent");

        List<FakeProvider.Request> calls = GRAPH.requests();
        assertThat(calls).extracting(FakeProvider.Request::path).containsExactly(
                "/v23.0/" + Fixtures.PHONE_NUMBER_ID + "/media", "/v23.0/" + Fixtures.PHONE_NUMBER_ID + "/messages");
        FakeProvider.Request uploadCall = calls.get(0);
        assertThat(uploadCall.header("Authorization")).isEqualTo("Bearer access-mueller");
        assertThat(uploadCall.header("Content-Type")).startsWith("multipart/form-data; boundary=");
        assertThat(uploadCall.header("Content-Type")).doesNotContain("charset");
        String multipart = new String(uploadCall.raw(), StandardCharsets.ISO_8859_1);
        assertThat(multipart).contains("name=\"messaging_product\"", "whatsapp", "name=\"type\"", "application/pdf",
                "name=\"file\"; filename=\"Hausordnung 2026.pdf\"", "Content-Type: application/pdf");
        assertThat(indexOf(uploadCall.raw(), pdf)).as("the file's bytes, unchanged").isPositive();

        JsonNode request = mapper.readTree(calls.get(1).body());
        assertThat(request.path("type").asText()).isEqualTo("document");
        assertThat(request.path("document").path("id").asText()).isEqualTo("META-UPLOAD-1");
        assertThat(request.path("document").path("filename").asText()).isEqualTo("Hausordnung 2026.pdf");
        assertThat(request.path("document").path("caption").asText()).isEqualTo("Die neue Hausordnung");
        assertThat(request.has("text")).isFalse();

        JsonNode message = api(mueller, "/api/v1/messages/" + sent.json().path("id").asText()).json();
        assertThat(message.path("type").asText()).isEqualTo("document");
        assertThat(message.path("text").asText()).isEqualTo("Die neue Hausordnung");
        assertThat(message.path("media").path(0).path("id").asText()).isEqualTo(item.path("id").asText());
        assertThat(message.path("media").path(0).path("filename").asText()).isEqualTo("Hausordnung 2026.pdf");

        // The document is served as an attachment with a safe name.
        Http.Bytes bytes = http.getBytes("/api/v1/media/" + item.path("id").asText(), "Authorization", mueller.bearer());
        assertThat(bytes.body()).isEqualTo(pdf);
        assertThat(bytes.header("Content-Disposition"))
                .isEqualTo("attachment; filename=\"Hausordnung 2026.pdf\"; filename*=UTF-8''Hausordnung%202026.pdf");
    }

    @Test
    void aFailedUploadToMetaIsTheSendsResultAndNothingIsSent() {
        String id = upload(jpeg(5000), "image/jpeg", null).json().path("id").asText();
        GRAPH.respond(req -> FakeProvider.Response.of(400, "{\"error\":{\"message\":\"(#131053) Media upload error\","
                + "\"code\":131053}}"));
        Http.Response sent = send(Map.of("channel", "whatsapp", "to", Fixtures.ANNA, "media", Map.of("id", id)));
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        assertThat(sent.json().path("status").asText()).isEqualTo("failed");
        assertThat(sent.json().path("error").path("code").asText()).isEqualTo("131053");
        assertThat(GRAPH.requests()).extracting(FakeProvider.Request::path)
                .containsExactly("/v23.0/" + Fixtures.PHONE_NUMBER_ID + "/media");
    }

    @Test
    void anMmsChannelSendsASignedLinkThatTwilioCanFetchLate() {
        Http.Response channel = http.post("/admin/v1/tenants/mueller/channels", json(Map.of("channel", "sms",
                "accountSid", "AC00000000000000000000000000000077", "phoneNumber", "+12025550100", "authToken", "tok",
                "mms", true)), admin());
        assertThat(channel.status()).as(channel.toString()).isEqualTo(201);
        assertThat(channel.json().path("mms").asBoolean()).isTrue();
        byte[] photo = jpeg(40_000);
        String id = upload(photo, "image/jpeg", "?filename=foto.jpg").json().path("id").asText();

        Http.Response sent = send(Map.of("channel", "sms", "from", "+12025550100", "to", "+12025550123",
                "media", Map.of("id", id), "text", "Das Foto vom Zähler"));
        assertThat(sent.status()).as(sent.toString()).isEqualTo(202);
        FakeProvider.Request create = TWILIO.requests().get(0);
        String form = java.net.URLDecoder.decode(create.body(), StandardCharsets.UTF_8);
        assertThat(form).contains("Body=Das Foto vom Zähler");
        String mediaUrl = form.replaceAll("(?s).*MediaUrl=([^&]+).*", "$1");
        assertThat(mediaUrl).startsWith(Fixtures.PUBLIC_BASE_URL + "/media/");

        // Twilio may fetch late: still served 59 minutes on, with no credentials.
        clock.advance(Duration.ofMinutes(59));
        Http.Bytes fetched = http.getBytes(mediaUrl.substring(Fixtures.PUBLIC_BASE_URL.length()));
        assertThat(fetched.status()).isEqualTo(200);
        assertThat(fetched.body()).isEqualTo(photo);
        assertThat(fetched.header("Content-Type")).isEqualTo("image/jpeg");
    }

    @Test
    void mediaOnAnSmsChannelWithoutMmsIs409() {
        String id = upload(jpeg(5000), "image/jpeg", null).json().path("id").asText();
        Http.Response sent = send(Map.of("channel", "sms", "to", Fixtures.ANNA, "media", Map.of("id", id)));
        assertThat(sent.status()).as(sent.toString()).isEqualTo(409);
        assertThat(sent.code()).isEqualTo("MEDIA_NOT_SUPPORTED");
        assertThat(TWILIO.requests()).isEmpty();
    }

    @Test
    void theOptOutAndWindowGatesApplyToMediaAsToText() {
        String id = upload(jpeg(5000), "image/jpeg", null).json().path("id").asText();
        // Jonas never wrote: the window is closed.
        Http.Response closed = send(Map.of("channel", "whatsapp", "to", Fixtures.JONAS, "media", Map.of("id", id)));
        assertThat(closed.status()).as(closed.toString()).isEqualTo(409);
        assertThat(closed.code()).isEqualTo("WHATSAPP_WINDOW_CLOSED");
        // Anna sends STOP: then nothing reaches her, media or not.
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.stop",
                clock.instant().getEpochSecond(), "STOP"), Fixtures.APP_SECRET);
        GRAPH.reset();
        graphServesMedia();
        Http.Response blocked = send(Map.of("channel", "whatsapp", "to", Fixtures.ANNA, "media", Map.of("id", id)));
        assertThat(blocked.status()).as(blocked.toString()).isEqualTo(409);
        assertThat(blocked.code()).isEqualTo("OPTOUT_ACTIVE");
        // (The STOP's own confirmation goes out as text; nothing with the photo does.)
        assertThat(GRAPH.requests().stream().filter(r -> r.path().endsWith("/media") || r.body().contains("\"image\"")))
                .as("no upload, no send").isEmpty();
    }

    @Test
    void uploadsAreCheckedFromTheirBytes() throws Exception {
        Http.Response html = upload("<html><body><script>alert(1)</script></body></html>".getBytes(StandardCharsets.UTF_8),
                "text/html", null);
        assertThat(html.status()).isEqualTo(415);
        assertThat(html.code()).isEqualTo("MEDIA_TYPE_NOT_SUPPORTED");
        Http.Response svg = upload("<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>x</script></svg>"
                .getBytes(StandardCharsets.UTF_8), "image/svg+xml", null);
        assertThat(svg.status()).isEqualTo(415);
        // An HTML page that claims to be a JPEG is refused: the bytes decide.
        Http.Response disguised = upload("<html><script>alert(1)</script></html>".getBytes(StandardCharsets.UTF_8),
                "image/jpeg", null);
        assertThat(disguised.status()).isEqualTo(415);
        assertThat(disguised.json().path("message").asText()).contains("text/html");
        // A real JPEG that says it is a PNG is refused too.
        Http.Response wrong = upload(jpeg(5000), "image/png", null);
        assertThat(wrong.status()).isEqualTo(415);
        assertThat(wrong.json().path("message").asText()).contains("image/jpeg", "image/png");
        assertThat(count("select count(*) from media")).isZero();
        assertThat(storedObjects()).as("nothing refused reached the store").isZero();
    }

    @Test
    void uploadsOverTheLimitAre413BeforeOrWhileReading() throws Exception {
        byte[] big = jpeg((int) MEDIA_MAX_BYTES + 1);
        Http.Response declared = upload(big, "image/jpeg", null);
        assertThat(declared.status()).isEqualTo(413);
        assertThat(declared.code()).isEqualTo("PAYLOAD_TOO_LARGE");
        // Without a Content-Length (chunked) the cap holds while the bytes stream into the store.
        Http.Response streamed = http.postStream("/api/v1/media", () -> new ByteArrayInputStream(big),
                "Authorization", mueller.bearer(), "Content-Type", "image/jpeg");
        assertThat(streamed.status()).as(streamed.toString()).isEqualTo(413);
        assertThat(streamed.code()).isEqualTo("PAYLOAD_TOO_LARGE");
        assertThat(count("select count(*) from media")).isZero();
        assertThat(storedObjects()).as("no partial file stays").isZero();
    }

    @Test
    void uploadsNeedAKeyWithTheSendScope() {
        Http.Response anonymous = http.post("/api/v1/media", jpeg(100_000), "Content-Type", "image/jpeg");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.code()).isEqualTo("UNAUTHENTICATED");
        String readOnly = apiKey("mueller", List.of("messaging:read"));
        Http.Response denied = upload(jpeg(1000), "image/jpeg", null, "Authorization", "Bearer " + readOnly);
        assertThat(denied.status()).isEqualTo(403);
        assertThat(denied.code()).isEqualTo("PERMISSION_DENIED");
        assertThat(count("select count(*) from media")).isZero();
    }

    @Test
    void uploadsNobodySentAreRemovedAfterADay() throws Exception {
        String unsent = upload(jpeg(2000), "image/jpeg", null).json().path("id").asText();
        String sent = upload(jpeg(2000), "image/jpeg", null).json().path("id").asText();
        assertThat(send(Map.of("channel", "whatsapp", "to", Fixtures.ANNA, "media", Map.of("id", sent))).status())
                .isEqualTo(202);
        String unsentKey = jdbc.queryForObject("select storage_key from media where id = ?::uuid", String.class, unsent);

        clock.advance(Duration.ofHours(23));
        assertThat(uploads.removeUnsent()).isZero();
        clock.advance(Duration.ofHours(2));
        assertThat(uploads.removeUnsent()).isEqualTo(1);
        assertThat(api(mueller, "/api/v1/media/" + unsent).status()).isEqualTo(404);
        assertThat(store.exists(unsentKey)).isFalse();
        assertThat(api(mueller, "/api/v1/media/" + sent).status()).isEqualTo(200);
    }

    @Test
    void filenamesAreNamesNotPaths() {
        Http.Response up = upload(pdf(1000), "application/pdf", "?filename=..%2F..%2Fetc%2Fpasswd%0D%0AX-Evil:%201.pdf");
        assertThat(up.status()).as(up.toString()).isEqualTo(201);
        String name = up.json().path("filename").asText();
        assertThat(name).doesNotContain("/", "\r", "\n").doesNotStartWith(".");
        Http.Bytes bytes = http.getBytes("/api/v1/media/" + up.json().path("id").asText(), "Authorization", mueller.bearer());
        assertThat(bytes.header("X-Evil")).isNull();
        assertThat(bytes.header("Content-Disposition")).startsWith("attachment; filename=\"");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
