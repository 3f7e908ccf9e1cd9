package de.inboxgateway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The provider payloads in src/test/resources/fixtures, byte-exact, with their signatures. */
public final class Fixtures {

    public static final String APP_SECRET = "test-app-secret";
    public static final String VERIFY_TOKEN = "test-verify-token";
    public static final String AUTH_TOKEN = "test-auth-token";
    public static final String PHONE_NUMBER_ID = "398765432109876";
    public static final String DISPLAY_NUMBER = "+4930609876543";
    public static final String ACCOUNT_SID = "AC9af211329b2fc82e5efe906062c73008";
    public static final String TWILIO_NUMBER = "+4915735980123";
    public static final String ANNA = "+4917612345678";
    public static final String JONAS = "+4915209876543";
    public static final String PUBLIC_BASE_URL = "https://inbox.example.com";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static JsonNode index;

    private Fixtures() {
    }

    public static byte[] bytes(String path) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + path)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + path);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String path) {
        return new String(bytes(path), StandardCharsets.UTF_8);
    }

    public static JsonNode json(String path) {
        try {
            return MAPPER.readTree(bytes(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static synchronized JsonNode index() {
        if (index == null) {
            index = json("index.json");
        }
        return index;
    }

    public static JsonNode entry(String path) {
        JsonNode e = index().path("files").path(path);
        if (e.isMissingNode()) {
            throw new IllegalArgumentException("fixture not in index.json: " + path);
        }
        return e;
    }

    /** X-Hub-Signature-256 as Meta computed it for a whatsapp/*.json webhook. */
    public static String hubSignature(String path) {
        return entry(path).path("x_hub_signature_256").asText();
    }

    /** X-Twilio-Signature as Twilio computed it for an sms/*.form.txt webhook. */
    public static String twilioSignature(String path) {
        return entry(path).path("x_twilio_signature").asText();
    }

    public static String twilioSignatureWithPort(String path) {
        return entry(path).path("x_twilio_signature_if_signed_with_port_443").asText();
    }
}
