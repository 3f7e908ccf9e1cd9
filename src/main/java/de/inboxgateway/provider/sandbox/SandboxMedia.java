package de.inboxgateway.provider.sandbox;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.media.MediaTypes;
import de.inboxgateway.provider.ProviderEndpoints;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;

/**
 * The sandbox's media, in memory and bounded (it is a development tool): the files simulated residents
 * send, served the way Meta (media id → URL → bytes, bearer token) and Twilio (MediaUrl with Basic
 * auth → redirect to a CDN without it) serve them, and the uploads the gateway makes before a send.
 */
@Component("sandboxMedia")
public class SandboxMedia {

    public record Item(String id, String kind, String mimeType, String filename, byte[] bytes) {
        String sha256Base64() {
            try {
                return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final int MAX_ITEMS = 50;
    private static final int MAX_BYTES = 16 * 1024 * 1024;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final Map<String, Item> items = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Item> eldest) {
            return size() > MAX_ITEMS;
        }
    };
    private final ChannelDirectory channels;
    private final ProviderEndpoints endpoints;
    private final ObjectMapper mapper;

    public SandboxMedia(ChannelDirectory channels, ProviderEndpoints endpoints, ObjectMapper mapper) {
        this.channels = channels;
        this.endpoints = endpoints;
        this.mapper = mapper;
    }

    /** The file a simulated resident sends, or null for a text. */
    Item fromRequest(JsonNode req) throws IOException {
        byte[] bytes;
        String filename = null;
        if (req.path("photo").asBoolean(false)) {
            bytes = samplePhoto();
            filename = "wasserschaden.jpg";
        } else if (req.path("media").isObject()) {
            try {
                bytes = Base64.getDecoder().decode(req.path("media").path("base64").asText(""));
            } catch (IllegalArgumentException e) {
                throw de.inboxgateway.support.ApiException.invalid("media.base64 is not base64");
            }
            filename = req.path("media").path("filename").asText(null);
        } else {
            return null;
        }
        if (bytes.length == 0 || bytes.length > MAX_BYTES) {
            throw de.inboxgateway.support.ApiException.invalid("sandbox media must be 1 byte to 16 MB");
        }
        String mime = MediaTypes.detect(new java.io.ByteArrayInputStream(bytes), filename);
        Item item = new Item(String.valueOf(1_000_000_000_000L + RANDOM.nextLong(9_000_000_000_000L)),
                MediaTypes.kind(mime), mime, filename, bytes);
        synchronized (items) {
            items.put(item.id(), item);
        }
        return item;
    }

    /** {@code GET /sandbox/graph/{version}/{mediaId}}: Meta's media lookup, a URL that needs the same token. */
    public void graphLookup(Exchange exchange) throws IOException {
        Optional<Item> item = item(exchange.getMessage().getHeader("mediaId", String.class));
        Optional<ChannelConfig> channel = channels.whatsappByPhoneNumberId(
                exchange.getMessage().getHeader("phone_number_id", String.class));
        if (item.isEmpty() || !authorized(exchange, channel)) {
            reply(exchange, item.isEmpty() ? 404 : 401, "application/json",
                    "{\"error\":{\"message\":\"Unsupported get request.\",\"type\":\"GraphMethodException\",\"code\":100}}");
            return;
        }
        Item i = item.get();
        reply(exchange, 200, "application/json", mapper.writeValueAsString(Map.of("messaging_product", "whatsapp",
                "url", endpoints.localBaseUrl() + "/sandbox/graph-cdn/" + i.id() + "?phone_number_id="
                        + channel.get().phoneNumberId(),
                "mime_type", i.mimeType(), "sha256", HexFormat.of().formatHex(sha256(i.bytes())),
                "file_size", String.valueOf(i.bytes().length), "id", i.id())));
    }

    /** {@code GET /sandbox/graph-cdn/{mediaId}}: the bytes, with the bearer token only. */
    public void graphBytes(Exchange exchange) {
        Optional<Item> item = item(exchange.getMessage().getHeader("mediaId", String.class));
        Optional<ChannelConfig> channel = channels.whatsappByPhoneNumberId(
                exchange.getMessage().getHeader("phone_number_id", String.class));
        if (item.isEmpty() || !authorized(exchange, channel)) {
            reply(exchange, 404, "text/plain", "");
            return;
        }
        bytes(exchange, item.get());
    }

    /** {@code POST /sandbox/graph/{version}/{phoneNumberId}/media}: an upload; Meta answers with an id. */
    public void graphUpload(Exchange exchange) throws IOException {
        Optional<ChannelConfig> channel = channels.whatsappByPhoneNumberId(
                exchange.getMessage().getHeader("phoneNumberId", String.class));
        if (!authorized(exchange, channel)) {
            reply(exchange, 401, "application/json", "{\"error\":{\"message\":\"Invalid OAuth access token.\","
                    + "\"type\":\"OAuthException\",\"code\":190}}");
            return;
        }
        try (InputStream body = exchange.getMessage().getBody(InputStream.class)) {
            if (body != null) {
                body.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }
        reply(exchange, 200, "application/json", "{\"id\":\"" + (1_000_000_000_000L + RANDOM.nextLong(9_000_000_000_000L))
                + "\"}");
    }

    /** {@code GET /sandbox/twilio/…/Media/{mediaSid}}: Basic auth, then a redirect to the CDN, as Twilio does. */
    public void twilioMedia(Exchange exchange) {
        String[] basic = SandboxProvider.basicAuth(exchange.getMessage().getHeader("Authorization", String.class));
        String account = exchange.getMessage().getHeader("accountSid", String.class);
        Optional<ChannelConfig> channel = channels.all().stream()
                .filter(c -> c.sandbox() && c.accountSid() != null && c.accountSid().equals(account)).findFirst();
        Optional<Item> item = item(exchange.getMessage().getHeader("mediaSid", String.class));
        if (channel.isEmpty() || basic == null || !basic[0].equals(account)
                || !basic[1].equals(channel.get().secrets().authToken())) {
            reply(exchange, 401, "application/json", "{\"code\":20003,\"message\":\"Authenticate\",\"status\":401}");
            return;
        }
        if (item.isEmpty()) {
            reply(exchange, 404, "application/json", "{\"code\":20404,\"message\":\"not found\",\"status\":404}");
            return;
        }
        // The CDN is another origin: the gateway must follow without the credentials.
        String cdn = endpoints.localBaseUrl().replace("localhost", "127.0.0.1") + "/sandbox/twilio-cdn/" + item.get().id();
        reply(exchange, 307, "text/plain", "");
        exchange.getMessage().setHeader("Location", URI.create(cdn).toString());
    }

    /** {@code GET /sandbox/twilio-cdn/{mediaSid}}: no credentials expected (and none must arrive). */
    public void twilioCdn(Exchange exchange) {
        Optional<Item> item = item(exchange.getMessage().getHeader("mediaSid", String.class));
        if (item.isEmpty() || exchange.getMessage().getHeader("Authorization") != null) {
            reply(exchange, item.isEmpty() ? 404 : 400, "text/plain", "");
            return;
        }
        bytes(exchange, item.get());
    }

    private boolean authorized(Exchange exchange, Optional<ChannelConfig> channel) {
        return channel.isPresent() && channel.get().sandbox() && ("Bearer " + channel.get().secrets().accessToken())
                .equals(exchange.getMessage().getHeader("Authorization", String.class));
    }

    private Optional<Item> item(String id) {
        synchronized (items) {
            return Optional.ofNullable(id == null ? null : items.get(id));
        }
    }

    private static void bytes(Exchange exchange, Item item) {
        reply(exchange, 200, item.mimeType(), null);
        exchange.getMessage().setBody(item.bytes());
    }

    private static void reply(Exchange exchange, int status, String contentType, String body) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, contentType);
        message.setBody(body);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A small picture of a puddle on a kitchen floor: shapes only, so no font is needed. */
    static byte[] samplePhoto() {
        BufferedImage image = new BufferedImage(480, 320, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(0xE8E2D6), 0, 320, new Color(0xBFB6A5)));
        g.fillRect(0, 0, 480, 320);
        g.setColor(new Color(0x7A8B99));
        g.fillRect(60, 40, 220, 170); // the dishwasher
        g.setColor(new Color(0x5B6B78));
        g.fillRect(70, 55, 200, 12);
        g.setColor(new Color(0x3D7EBF));
        g.fillOval(90, 200, 300, 80); // the water
        g.setColor(new Color(0x6FA8DC));
        g.fillOval(150, 220, 160, 35);
        g.dispose();
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            ImageIO.write(image, "jpg", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
