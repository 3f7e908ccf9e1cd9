package de.inboxgateway.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/**
 * What the media flow tests share: Meta-style media webhooks, a Graph fake that serves media the way
 * Meta does (id → short-lived URL → bytes, both with the bearer token), and small real files.
 */
public abstract class MediaFlows extends GatewayTest {

    /** The store this gateway was configured with: filesystem, or S3 in the S3 variants of these tests. */
    @org.springframework.beans.factory.annotation.Autowired
    protected MediaStore store;

    /** Every test starts with an empty media store (tenant ids start at 1 again after the clean slate). */
    @org.junit.jupiter.api.BeforeEach
    void emptyMediaStore() throws java.io.IOException {
        if ("s3".equals(store.kind())) {
            de.inboxgateway.testing.S3MockServer.empty();
            return;
        }
        try (var paths = java.nio.file.Files.walk(MEDIA_DIR)) {
            paths.sorted(java.util.Comparator.reverseOrder()).filter(p -> !p.equals(MEDIA_DIR))
                    .forEach(p -> p.toFile().delete());
        }
    }

    /** Objects in the store, whichever it is. */
    protected long storedObjects() throws java.io.IOException {
        if ("s3".equals(store.kind())) {
            return de.inboxgateway.testing.S3MockServer.objectCount();
        }
        try (var paths = java.nio.file.Files.walk(MEDIA_DIR)) {
            return paths.filter(java.nio.file.Files::isRegularFile).count();
        }
    }

    protected byte[] storedBytes(String key) throws java.io.IOException {
        try (var in = store.open(key)) {
            return in.readAllBytes();
        }
    }

    /** Files the Graph fake serves, by media id. */
    protected final Map<String, byte[]> graphFiles = new ConcurrentHashMap<>();

    protected void graphServesMedia() {
        GRAPH.respond(req -> {
            boolean bearer = ("Bearer access-mueller").equals(req.header("Authorization"))
                    || ("Bearer access-schmidt").equals(req.header("Authorization"));
            String[] parts = req.path().split("/");
            if ("GET".equals(req.method()) && parts.length == 3 && parts[1].equals("v23.0")) {
                byte[] file = graphFiles.get(parts[2]);
                if (!bearer || file == null) {
                    return FakeProvider.Response.of(bearer ? 404 : 401,
                            "{\"error\":{\"message\":\"Unsupported get request.\",\"code\":100}}");
                }
                return FakeProvider.Response.of(200, "{\"messaging_product\":\"whatsapp\",\"url\":\"" + GRAPH.baseUrl()
                        + "/cdn/" + parts[2] + "?ext=1\",\"mime_type\":\"image/jpeg\",\"sha256\":\"" + hex(file)
                        + "\",\"file_size\":\"" + file.length + "\",\"id\":\"" + parts[2] + "\"}");
            }
            if ("GET".equals(req.method()) && parts.length == 3 && parts[1].equals("cdn")) {
                byte[] file = graphFiles.get(parts[2]);
                return !bearer || file == null ? FakeProvider.Response.of(404, "")
                        : FakeProvider.Response.bytes("image/jpeg", file);
            }
            if ("POST".equals(req.method()) && req.path().endsWith("/media")) {
                return FakeProvider.Response.of(bearer ? 200 : 401, bearer ? "{\"id\":\"META-UPLOAD-1\"}"
                        : "{\"error\":{\"message\":\"Invalid OAuth access token.\",\"code\":190}}");
            }
            return FakeProvider.Response.of(200, "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\""
                    + GRAPH.nextWamid() + "\"}]}");
        });
    }

    /** One WhatsApp media message as Meta sends it (sha256 in base64, as in real payloads). */
    protected static String whatsappMedia(String phoneNumberId, String wamid, String kind, String mediaId, byte[] file,
                                          String url, String caption, String filename) {
        String object = "{\"id\":\"" + mediaId + "\",\"mime_type\":\"" + (kind.equals("document") ? "application/pdf"
                : "image/jpeg") + "\",\"sha256\":\"" + Base64.getEncoder().encodeToString(sha(file)) + "\""
                + (url == null ? "" : ",\"url\":\"" + url + "\"")
                + (caption == null ? "" : ",\"caption\":\"" + caption + "\"")
                + (filename == null ? "" : ",\"filename\":\"" + filename + "\"") + "}";
        return "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"112233445566778\",\"changes\":[{\"value\":"
                + "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"4930609876543\","
                + "\"phone_number_id\":\"" + phoneNumberId + "\"},\"contacts\":[{\"profile\":{\"name\":\"Anna\"},"
                + "\"wa_id\":\"4917612345678\"}],\"messages\":[{\"from\":\"4917612345678\",\"id\":\"" + wamid + "\","
                + "\"timestamp\":\"" + (System.currentTimeMillis() / 1000) + "\",\"type\":\"" + kind + "\",\"" + kind
                + "\":" + object + "}]},\"field\":\"messages\"}]}]}";
    }

    /** A real JPEG header (FF D8 FF E0 … JFIF) followed by noise: Tika reads it as image/jpeg. */
    protected static byte[] jpeg(int size) {
        byte[] b = new byte[size];
        ThreadLocalRandom.current().nextBytes(b);
        byte[] header = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01,
                0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00};
        System.arraycopy(header, 0, b, 0, header.length);
        b[size - 2] = (byte) 0xFF;
        b[size - 1] = (byte) 0xD9;
        return b;
    }

    protected static byte[] pdf(int size) {
        byte[] b = new byte[size];
        byte[] head = "%PDF-1.7\n%\u00e2\u00e3\n1 0 obj\n<<>>\nendobj\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] tail = "\ntrailer\n<<>>\n%%EOF\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        java.util.Arrays.fill(b, (byte) ' ');
        System.arraycopy(head, 0, b, 0, head.length);
        System.arraycopy(tail, 0, b, size - tail.length, tail.length);
        return b;
    }

    /** The single media item of the tenant's newest message, once it has left "pending". */
    protected JsonNode awaitMediaEnded(TestTenant tenant) {
        JsonNode[] item = new JsonNode[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            item[0] = newestMedia(tenant);
            return item[0] != null && !"pending".equals(item[0].path("status").asText());
        });
        return item[0];
    }

    protected JsonNode newestMedia(TestTenant tenant) {
        Http.Response conversations = api(tenant, "/api/v1/conversations");
        JsonNode first = conversations.json().path("items").path(0);
        if (first.isMissingNode()) {
            return null;
        }
        JsonNode messages = api(tenant, "/api/v1/conversations/" + first.path("id").asText() + "/messages").json();
        for (JsonNode m : messages.path("items")) {
            if (m.path("media").size() > 0) {
                return m.path("media").path(0);
            }
        }
        return null;
    }

    protected Http.Response postSigned(String body) {
        return postWhatsappSigned(body, Fixtures.APP_SECRET);
    }

    protected static byte[] sha(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    protected static String hex(byte[] b) {
        return HexFormat.of().formatHex(sha(b));
    }

    protected static void assertStored(JsonNode item, byte[] file) {
        assertThat(item.path("status").asText()).as(item.toString()).isEqualTo("stored");
        assertThat(item.path("sha256").asText()).isEqualTo(hex(file));
        assertThat(item.path("size").asLong()).isEqualTo(file.length);
    }
}
