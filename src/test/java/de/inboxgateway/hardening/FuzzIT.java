package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;
import de.inboxgateway.webhook.FormBody;

/**
 * Hundreds of mutated webhooks (correctly signed, so they get past verification into the parser)
 * and API requests per build, from a fixed seed (-Dfuzz.seed to explore others). Whatever comes in:
 * no 5xx, an error body with a stable code, nothing half-stored, and the gateway stays healthy.
 */
class FuzzIT extends GatewayTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final Random random = new Random(Long.getLong("fuzz.seed", 20261122L));
    private final List<String> failures = new ArrayList<>();
    private TestTenant mueller;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
    }

    private void check(String what, Http.Response r) {
        sourceBlocker.liftAll(); // the fuzzer's deliberate bad signatures must not block the rest of its requests
        if (r.status() >= 500) {
            failures.add(what + " -> " + r);
        } else if (r.status() >= 400 && !r.body().startsWith("{\"code\":\"")) {
            failures.add(what + " -> no error code: " + r);
        }
    }

    @Test
    void mutatedWebhooksAndApiRequestsNeverCause5xxOrGarbage() throws Exception {
        List<String> whatsapp = List.of("text-message", "image-message", "document-message", "audio-voice-message",
                "location-message", "interactive-button-reply", "button-quick-reply", "reaction-message",
                "unsupported-message", "batch-two-messages", "batch-message-and-status-two-changes", "status-failed");
        for (int i = 0; i < 250; i++) {
            JsonNode body = Fixtures.json("whatsapp/" + whatsapp.get(random.nextInt(whatsapp.size())) + ".json");
            String mutated = random.nextInt(5) == 0 ? byteMutation(MAPPER.writeValueAsString(body))
                    : MAPPER.writeValueAsString(mutateTree(body.deepCopy(), 0));
            check("whatsapp " + mutated, postWhatsappSigned(mutated, Fixtures.APP_SECRET));
        }
        List<String> sms = List.of("inbound-sms", "inbound-mms", "inbound-stop-advanced-opt-out", "status-delivered",
                "status-failed", "status-undelivered");
        for (int i = 0; i < 150; i++) {
            String name = sms.get(random.nextInt(sms.size()));
            Map<String, String> form = new LinkedHashMap<>();
            FormBody.parse(Fixtures.text("sms/" + name + ".form.txt")).params().forEach((k, v) -> form.put(k, v.get(0)));
            mutateForm(form);
            String path = name.startsWith("status") ? "/webhooks/sms/status" : "/webhooks/sms";
            check("sms " + form, postTwilioSigned(path, form, Fixtures.AUTH_TOKEN));
            if (random.nextInt(4) == 0) {
                check("raw sms", postTwilio(path, byteMutation(FormBody.of(form).encode()), "x"));
            }
        }
        for (int i = 0; i < 150; i++) {
            apiRequest();
        }

        assertThat(failures).isEmpty();
        Http.Response health = http.get("/actuator/health");
        assertThat(health.status()).isEqualTo(200);
        // Nothing half-stored: every message has its tenant's conversation, a sender and a provider id.
        assertThat(count("""
                select count(*) from message m left join conversation c on c.id = m.conversation_id
                where c.id is null or c.tenant_id <> m.tenant_id
                   or (m.direction = 'inbound' and (m.sender is null or m.provider_message_id is null))""")).isZero();
        assertThat(count("select count(*) from conversation where phone is null or phone = ''")).isZero();
    }

    private void apiRequest() throws Exception {
        String[] auth = {"Authorization", mueller.bearer(), "Content-Type", "application/json"};
        ObjectNode send = F.objectNode().put("channel", random.nextBoolean() ? "sms" : "whatsapp")
                .put("to", "+4917612345678").put("text", "Hallo");
        ObjectNode contact = F.objectNode().put("name", "Anna").put("role", "resident");
        contact.putArray("phones").add("+4917612345678");
        ObjectNode consent = F.objectNode().put("source", "Formular").put("consentedAt", "2026-03-02T10:00:00Z");
        switch (random.nextInt(7)) {
            case 0 -> check("send", http.post("/api/v1/messages", body(send), auth));
            case 1 -> check("contact", http.put("/api/v1/contacts/" + pathPart(), body(contact), auth));
            case 2 -> check("consent", http.post("/api/v1/optouts/" + pathPart() + "/" + pathPart() + "/consent",
                    body(consent), auth));
            case 3 -> check("conversations", http.get("/api/v1/conversations?limit=" + pathPart() + "&cursor="
                    + pathPart() + "&phone=" + pathPart() + "&channel=" + pathPart(), auth));
            case 4 -> check("messages", http.get("/api/v1/conversations/" + pathPart() + "/messages?cursor=" + pathPart(), auth));
            case 5 -> check("admin channel", http.post("/admin/v1/tenants/mueller/channels",
                    body(F.objectNode().put("channel", "sms").put("accountSid", "AC" + "0".repeat(32)).put("authToken", "x")
                            .put("phoneNumber", "+4930" + random.nextInt(9_999_999))), admin()));
            default -> check("audit", http.get("/api/v1/audit?since=" + pathPart() + "&type=" + pathPart(), auth));
        }
    }

    private String body(ObjectNode valid) throws Exception {
        return random.nextInt(4) == 0 ? byteMutation(MAPPER.writeValueAsString(valid))
                : MAPPER.writeValueAsString(mutateTree(valid, 0));
    }

    private String pathPart() {
        String[] parts = {"1", "-1", "0", "99999999999999999999", "abc", "%2B4917612345678", "sms", "whatsapp", "%00",
                "%E0%A4%A", "..%2F..", "a".repeat(300), "\u00fc", "%27%20or%201%3D1", "", "+49", "null"};
        String p = parts[random.nextInt(parts.length)];
        return p.isEmpty() ? "x" : java.net.URLEncoder.encode(p, StandardCharsets.UTF_8);
    }

    /** Replaces, removes, retypes or deepens nodes of a JSON tree. */
    private JsonNode mutateTree(JsonNode node, int depth) {
        if (node instanceof ObjectNode object && object.size() > 0) {
            List<String> names = new ArrayList<>();
            object.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                if (random.nextInt(4) == 0) {
                    int op = random.nextInt(4);
                    if (op == 0) {
                        object.remove(name);
                    } else {
                        object.set(name, op == 1 ? weird(depth) : mutateTree(object.get(name), depth + 1));
                    }
                } else {
                    object.set(name, mutateTree(object.get(name), depth + 1));
                }
            }
            return object;
        }
        if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, mutateTree(array.get(i), depth + 1));
            }
            if (random.nextInt(6) == 0) {
                array.add(weird(depth));
            }
            return array;
        }
        return random.nextInt(6) == 0 ? weird(depth) : node;
    }

    private JsonNode weird(int depth) {
        switch (random.nextInt(12)) {
            case 0: return F.nullNode();
            case 1: return F.numberNode(random.nextLong());
            case 2: return F.numberNode(1e308 * 10);
            case 3: return F.textNode("");
            case 4: return F.textNode("\u0000\uD83D\uDC4D" + "x".repeat(random.nextInt(5000)));
            case 5: return F.booleanNode(random.nextBoolean());
            case 6: return F.arrayNode().add(F.objectNode());
            case 7: {
                JsonNode deep = F.textNode("bottom");
                for (int i = 0; i < 200 + random.nextInt(400); i++) {
                    deep = random.nextBoolean() ? F.arrayNode().add(deep) : F.objectNode().set("d", deep);
                }
                return deep;
            }
            case 8: return F.textNode("99999999999999999999999");
            case 9: return F.textNode("-1");
            case 10: return F.objectNode().put("id", "wamid.x").put("status", "read");
            default: return F.textNode("+49 (0) 176-1234 5678");
        }
    }

    private void mutateForm(Map<String, String> form) {
        List<String> keys = new ArrayList<>(form.keySet());
        for (int i = 0; i < 1 + random.nextInt(3); i++) {
            String key = keys.get(random.nextInt(keys.size()));
            if (key.equals("To") || key.equals("From") && random.nextBoolean()) {
                continue; // keep the business number, or nothing gets past the signature
            }
            String[] values = {"", "\u0000", "x".repeat(2000), "99999999999999999999", "-5", "abc", "%ZZ", "+",
                    "\uD83D\uDC4D", "NaN", "null"};
            if (random.nextInt(5) == 0) {
                form.remove(key);
            } else {
                form.put(key, values[random.nextInt(values.length)]);
            }
        }
        if (random.nextInt(5) == 0) {
            form.put("MediaUrl" + random.nextInt(20), "not a url");
            form.put("NumMedia", String.valueOf(random.nextInt(100) - 50));
        }
    }

    private String byteMutation(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        switch (random.nextInt(3)) {
            case 0:
                return new String(b, 0, random.nextInt(Math.max(1, b.length)), StandardCharsets.UTF_8);
            case 1:
                for (int i = 0; i < 1 + random.nextInt(5); i++) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
                return new String(b, StandardCharsets.ISO_8859_1);
            default:
                int at = random.nextInt(b.length);
                return s.substring(0, Math.min(at, s.length())) + s + s.substring(Math.min(at, s.length()));
        }
    }
}
