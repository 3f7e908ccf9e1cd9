package de.inboxgateway.provider.sandbox;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.annotation.PreDestroy;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.provider.ProviderEndpoints;
import de.inboxgateway.support.Channel;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;
import de.inboxgateway.webhook.FormBody;
import de.inboxgateway.channel.whatsapp.HubSignature;
import de.inboxgateway.channel.sms.TwilioSignature;

/**
 * An in-process stand-in for Twilio and the Graph API, for sandbox channels only (routes in
 * routes/sandbox.camel.yaml, started only with gateway.sandbox.enabled=true). It checks the
 * credentials like the provider, answers like the provider, and shortly after reports the message
 * delivered (and, on WhatsApp, read) through the gateway's own signed status webhooks, so the whole
 * loop runs with no Twilio or Meta account. A recipient ending in 21610 is refused as unsubscribed.
 */
@Component("sandboxProvider")
public class SandboxProvider {

    private static final Logger LOG = LoggerFactory.getLogger(SandboxProvider.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private final ChannelDirectory channels;
    private final SandboxMedia media;
    private final ProviderEndpoints endpoints;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final String publicBaseUrl;
    private final long delayMillis;
    private final HttpClient http = HttpClient.newHttpClient();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sandbox-provider");
        t.setDaemon(true);
        return t;
    });

    public SandboxProvider(ChannelDirectory channels, ProviderEndpoints endpoints, ObjectMapper mapper, Clock clock,
                           GatewayProperties properties, SandboxMedia media) {
        this.media = media;
        this.channels = channels;
        this.endpoints = endpoints;
        this.mapper = mapper;
        this.clock = clock;
        this.publicBaseUrl = properties.getPublicBaseUrl();
        this.delayMillis = properties.getSandbox().getStatusDelay().toMillis();
    }

    @PreDestroy
    void stop() {
        scheduler.shutdownNow();
    }

    /** {@code POST /2010-04-01/Accounts/{AccountSid}/Messages.json}, as Twilio answers it. */
    public void twilioCreate(Exchange exchange) throws Exception {
        FormBody form = FormBody.parse(exchange.getMessage().getBody(String.class));
        String[] basic = basicAuth(exchange.getMessage().getHeader("Authorization", String.class));
        Optional<ChannelConfig> channel = channels.smsByNumber(String.valueOf(form.first("From")))
                .or(() -> channels.forTenantlessSandbox(Channel.SMS, form.first("MessagingServiceSid")));
        if (channel.isEmpty() || !channel.get().sandbox() || basic == null
                || !basic[0].equals(channel.get().accountSid()) || !basic[1].equals(channel.get().secrets().authToken())) {
            reply(exchange, 401, "{\"code\":20003,\"message\":\"Authenticate\",\"more_info\":"
                    + "\"https://www.twilio.com/docs/errors/20003\",\"status\":401}");
            return;
        }
        String to = form.first("To");
        if (to != null && to.endsWith("21610")) {
            reply(exchange, 400, "{\"code\":21610,\"message\":\"Attempt to send to unsubscribed recipient\","
                    + "\"more_info\":\"https://www.twilio.com/docs/errors/21610\",\"status\":400}");
            return;
        }
        String sid = "SM" + HexFormat.of().formatHex(randomBytes(16));
        ObjectNode message = mapper.createObjectNode()
                .put("sid", sid).put("account_sid", channel.get().accountSid()).put("from", channel.get().address())
                .put("to", to).put("body", form.first("Body")).put("status", "queued")
                .put("direction", "outbound-api").put("num_segments", "1").put("api_version", "2010-04-01");
        reply(exchange, 201, mapper.writeValueAsString(message));
        String callback = form.first("StatusCallback");
        if (callback != null) {
            later(1, () -> twilioStatus(channel.get(), callback, sid, to, "sent"));
            later(2, () -> twilioStatus(channel.get(), callback, sid, to, "delivered"));
        }
    }

    /**
     * {@code GET /{version}/{waba-id}/message_templates}, as the Graph API pages it: the sandbox's two
     * German templates (both APPROVED), one per page, so a sync follows {@code paging.next} once.
     */
    public void graphTemplates(Exchange exchange) throws Exception {
        String wabaId = exchange.getMessage().getHeader("wabaId", String.class);
        String auth = exchange.getMessage().getHeader("Authorization", String.class);
        String after = exchange.getMessage().getHeader("after", String.class);
        Optional<ChannelConfig> channel = channels.whatsappByWabaId(wabaId);
        if (channel.isEmpty() || !channel.get().sandbox()
                || !("Bearer " + channel.get().secrets().accessToken()).equals(auth)) {
            reply(exchange, 401, "{\"error\":{\"message\":\"Invalid OAuth access token.\",\"type\":\"OAuthException\","
                    + "\"code\":190,\"fbtrace_id\":\"SANDBOX\"}}");
            return;
        }
        JsonNode all;
        try (var in = SandboxProvider.class.getResourceAsStream("/sandbox/templates.json")) {
            all = mapper.readTree(in);
        }
        int page = "SANDBOX2".equals(after) ? 1 : 0;
        ObjectNode answer = mapper.createObjectNode();
        answer.putArray("data").add(all.get(page));
        ObjectNode paging = answer.putObject("paging");
        paging.putObject("cursors").put("before", "SANDBOX" + (page + 1)).put("after", "SANDBOX" + (page + 2));
        if (page == 0) {
            paging.put("next", endpoints.graphBaseUrl(channel.get()) + "/" + endpoints.graphApiVersion() + "/" + wabaId
                    + "/message_templates?limit=1&after=SANDBOX2");
        }
        reply(exchange, 200, mapper.writeValueAsString(answer));
    }

    /** {@code POST /{version}/{phone-number-id}/messages}, as the Graph API answers it. */
    public void graphSend(Exchange exchange) throws Exception {
        String phoneNumberId = exchange.getMessage().getHeader("phoneNumberId", String.class);
        String auth = exchange.getMessage().getHeader("Authorization", String.class);
        Optional<ChannelConfig> channel = channels.whatsappByPhoneNumberId(phoneNumberId);
        if (channel.isEmpty() || !channel.get().sandbox()
                || !("Bearer " + channel.get().secrets().accessToken()).equals(auth)) {
            reply(exchange, 401, "{\"error\":{\"message\":\"Invalid OAuth access token.\",\"type\":\"OAuthException\","
                    + "\"code\":190,\"fbtrace_id\":\"SANDBOX\"}}");
            return;
        }
        JsonNode request = mapper.readTree(exchange.getMessage().getBody(String.class));
        if ("read".equals(request.path("status").asText())) { // a read receipt: blue ticks, nothing to deliver
            reply(exchange, 200, "{\"success\":true}");
            return;
        }
        String to = request.path("to").asText();
        String wamid = "wamid.SANDBOX" + HexFormat.of().formatHex(randomBytes(12));
        reply(exchange, 200, "{\"messaging_product\":\"whatsapp\",\"contacts\":[{\"input\":\"" + to + "\",\"wa_id\":\""
                + to.replace("+", "") + "\"}],\"messages\":[{\"id\":\"" + wamid + "\"}]}");
        later(1, () -> graphStatus(channel.get(), wamid, to, "sent"));
        later(2, () -> graphStatus(channel.get(), wamid, to, "delivered"));
        later(3, () -> graphStatus(channel.get(), wamid, to, "read"));
    }

    /**
     * {@code POST /sandbox/inbound {"tenant","channel","from","text"}} (and {@code "photo": true} for a
     * sample photo, or {@code "media": {"base64","mimeType","filename"}}): a resident writes to a sandbox
     * channel. The sandbox builds the provider's webhook, signs it with the channel's secret and
     * delivers it to the gateway's own webhook, as Meta or Twilio would. Answers what the webhook answered.
     */
    public void simulateInbound(Exchange exchange) throws Exception {
        JsonNode req = mapper.readTree(exchange.getMessage().getBody(String.class));
        Channel channel = Channel.parse(req.path("channel").asText(null));
        String tenant = req.path("tenant").asText("");
        String from = req.path("from").asText("").replace(" ", "");
        String text = req.path("text").asText("");
        SandboxMedia.Item media = this.media.fromRequest(req);
        Optional<ChannelConfig> target = channels.all().stream()
                .filter(c -> c.sandbox() && c.channel() == channel && c.tenantSlug().equals(tenant)).findFirst();
        if (target.isEmpty() || !from.matches("\\+[1-9][0-9]{6,14}")) {
            reply(exchange, 400, "{\"code\":\"INVALID_REQUEST\",\"message\":\"need tenant, channel of a sandbox channel, "
                    + "from in E.164 and text\"}");
            return;
        }
        ChannelConfig c = target.get();
        HttpResponse<String> response;
        if (channel == Channel.WHATSAPP) {
            String wamid = "wamid.SANDBOXIN" + HexFormat.of().formatHex(randomBytes(12));
            ObjectNode body = mapper.createObjectNode().put("object", "whatsapp_business_account");
            ObjectNode value = body.putArray("entry").addObject().put("id", "SANDBOX").putArray("changes").addObject()
                    .put("field", "messages").putObject("value").put("messaging_product", "whatsapp");
            value.putObject("metadata").put("display_phone_number", c.address().replace("+", ""))
                    .put("phone_number_id", c.phoneNumberId());
            value.putArray("contacts").addObject().put("wa_id", from.substring(1)).putObject("profile")
                    .put("name", req.path("name").asText("Sandbox Resident"));
            ObjectNode message = value.putArray("messages").addObject().put("from", from.substring(1)).put("id", wamid)
                    .put("timestamp", String.valueOf(clock.instant().getEpochSecond()));
            if (media == null) {
                message.put("type", "text").putObject("text").put("body", text);
            } else {
                // As Meta sends it: the media id and a base64 sha256; the bytes come from the sandbox Graph API.
                ObjectNode object = message.put("type", media.kind()).putObject(media.kind()).put("id", media.id())
                        .put("mime_type", media.mimeType()).put("sha256", media.sha256Base64());
                if (!text.isEmpty()) {
                    object.put("caption", text);
                }
                if (media.filename() != null && "document".equals(media.kind())) {
                    object.put("filename", media.filename());
                }
            }
            byte[] bytes = mapper.writeValueAsBytes(body);
            response = send(endpoints.localBaseUrl() + "/webhooks/whatsapp", "application/json", bytes,
                    "X-Hub-Signature-256", HubSignature.sign(c.secrets().appSecret(), bytes));
        } else {
            String sid = "SM" + HexFormat.of().formatHex(randomBytes(16));
            Map<String, String> params = new java.util.LinkedHashMap<>();
            params.put("MessageSid", sid);
            params.put("SmsMessageSid", sid);
            params.put("AccountSid", c.accountSid());
            params.put("From", from);
            params.put("To", c.address());
            params.put("Body", text);
            if (media == null) {
                params.put("NumMedia", "0");
            } else {
                params.put("NumMedia", "1");
                params.put("MediaUrl0", endpoints.localBaseUrl() + "/sandbox/twilio/2010-04-01/Accounts/" + c.accountSid()
                        + "/Messages/" + sid + "/Media/" + media.id());
                params.put("MediaContentType0", media.mimeType());
            }
            params.put("SmsStatus", "received");
            params.put("ApiVersion", "2010-04-01");
            FormBody form = FormBody.of(params);
            response = send(endpoints.localBaseUrl() + "/webhooks/sms", "application/x-www-form-urlencoded",
                    form.encode().getBytes(StandardCharsets.UTF_8), "X-Twilio-Signature",
                    TwilioSignature.sign(c.secrets().authToken(), publicBaseUrl + "/webhooks/sms", form.params()));
        }
        reply(exchange, response.statusCode() == 200 ? 200 : 502, "{\"webhookStatus\":" + response.statusCode() + "}");
    }

    private void twilioStatus(ChannelConfig channel, String callback, String sid, String to, String status) {
        Map<String, String> params = new java.util.LinkedHashMap<>();
        params.put("MessageSid", sid);
        params.put("SmsSid", sid);
        params.put("MessageStatus", status);
        params.put("SmsStatus", status);
        params.put("AccountSid", channel.accountSid());
        params.put("From", channel.address());
        params.put("To", to);
        params.put("ApiVersion", "2010-04-01");
        FormBody form = FormBody.of(params);
        // Twilio signs the callback URL as configured; we deliver it to this very gateway.
        String signature = TwilioSignature.sign(channel.secrets().authToken(), callback, form.params());
        post(localUrl(callback), "application/x-www-form-urlencoded", form.encode().getBytes(StandardCharsets.UTF_8),
                "X-Twilio-Signature", signature);
    }

    private void graphStatus(ChannelConfig channel, String wamid, String to, String status) {
        long ts = clock.instant().getEpochSecond();
        String body = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"SANDBOX\",\"changes\":[{\"value\":"
                + "{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\""
                + channel.address().replace("+", "") + "\",\"phone_number_id\":\"" + channel.phoneNumberId()
                + "\"},\"statuses\":[{\"id\":\"" + wamid + "\",\"status\":\"" + status + "\",\"timestamp\":\"" + ts
                + "\",\"recipient_id\":\"" + to.replace("+", "") + "\"}]},\"field\":\"messages\"}]}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        post(endpoints.localBaseUrl() + "/webhooks/whatsapp", "application/json", bytes,
                "X-Hub-Signature-256", HubSignature.sign(channel.secrets().appSecret(), bytes));
    }

    private String localUrl(String callback) {
        String path = callback.startsWith(publicBaseUrl) ? callback.substring(publicBaseUrl.length()) : URI.create(callback).getRawPath();
        return endpoints.localBaseUrl() + path;
    }

    private HttpResponse<String> send(String url, String contentType, byte[] body, String header, String value)
            throws java.io.IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", contentType).header(header, value)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void post(String url, String contentType, byte[] body, String header, String value) {
        try {
            HttpResponse<String> r = send(url, contentType, body, header, value);
            if (r.statusCode() != 200) {
                LOG.warn("sandbox status webhook to {} answered {}: {}", url, r.statusCode(), r.body());
            }
        } catch (Exception e) {
            LOG.warn("sandbox status webhook to {} failed: {}", url, e.getMessage());
        }
    }

    private void later(int step, Runnable task) {
        scheduler.schedule(task, delayMillis * step, TimeUnit.MILLISECONDS);
    }

    private static void reply(Exchange exchange, int status, String json) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
    }

    static String[] basicAuth(String header) {
        if (header == null || !header.startsWith("Basic ")) {
            return null;
        }
        String decoded = new String(Base64.getDecoder().decode(header.substring(6).strip()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        return colon < 0 ? null : new String[] {decoded.substring(0, colon), decoded.substring(colon + 1)};
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
