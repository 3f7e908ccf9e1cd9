package de.inboxgateway.channel.whatsapp;

import de.inboxgateway.webhook.SignatureInvalidException;
import de.inboxgateway.webhook.WebhookRequest;
import de.inboxgateway.webhook.SourceBlocker;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.Text;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;

/**
 * Stage 2 for WhatsApp: {@code X-Hub-Signature-256} over the exact body bytes, with the app secret of
 * the channel that owns each {@code metadata.phone_number_id} in the body. Every number named must be
 * known and its secret must verify; a body naming a number of another tenant therefore fails unless
 * signed with that tenant's secret. On success the body is the parsed JSON tree (parsed once, here)
 * and property {@link GatewayExchange#VERIFIED_CHANNELS} maps each phone_number_id to its channel.
 */
@Component("whatsappSignatureVerifier")
public class WhatsappSignatureVerifier {

    /** Key prefix in {@link GatewayExchange#VERIFIED_CHANNELS} for a channel found by its WhatsApp Business Account. */
    public static final String ACCOUNT = "waba:";
    private final ChannelDirectory channels;
    private final ObjectMapper mapper;
    private final Clock clock;
    private final SourceBlocker blocker;

    public WhatsappSignatureVerifier(ChannelDirectory channels, ObjectMapper mapper, Clock clock, SourceBlocker blocker) {
        this.blocker = blocker;
        this.channels = channels;
        this.mapper = mapper;
        this.clock = clock;
    }

    public void verify(Exchange exchange) {
        exchange.setProperty(GatewayExchange.RECEIVED_AT, clock.instant());
        byte[] body = WebhookRequest.rawBody(exchange);
        String signature = exchange.getMessage().getHeader("X-Hub-Signature-256", String.class);
        if (signature == null || signature.isBlank()) {
            blocker.check(exchange, null); // noise from an address that keeps sending it: 429 before parsing
            throw new SignatureInvalidException(Channel.WHATSAPP, null, "missing X-Hub-Signature-256");
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (java.io.IOException e) {
            throw ApiException.invalid("body is not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalid("body is not a JSON object");
        }
        Map<String, ChannelConfig> verified = new LinkedHashMap<>();
        java.util.Set<String> unknown = new java.util.LinkedHashSet<>();
        for (JsonNode entry : root.path("entry")) {
            for (JsonNode change : entry.path("changes")) {
                JsonNode number = change.path("value").path("metadata").path("phone_number_id");
                // Account-level changes (templates) name no number: they are routed by the WABA id of the entry.
                boolean byAccount = !number.isTextual() && entry.path("id").isTextual();
                if (!number.isTextual() && !byAccount) {
                    continue;
                }
                String key = byAccount ? ACCOUNT + entry.path("id").asText() : number.asText();
                if (verified.containsKey(key)) {
                    continue;
                }
                String claimed = Text.forLog(byAccount ? "waba " + entry.path("id").asText() : number.asText(), 40);
                ChannelConfig channel = (byAccount ? channels.whatsappByWabaId(entry.path("id").asText())
                        : channels.whatsappByPhoneNumberId(number.asText())).orElse(null);
                if (channel == null) {
                    unknown.add(claimed); // decided below: fatal only if no known number verifies the body
                    continue;
                }
                if (HubSignature.matches(channel.secrets().appSecret(), body, signature)) {
                    verified.put(key, channel); // a valid signature is never blocked
                    continue;
                }
                // Only failures meet the block: bogus requests naming a number cannot lock out its real webhooks.
                blocker.check(exchange, claimed);
                throw new SignatureInvalidException(Channel.WHATSAPP, channel.tenantId(), claimed,
                        "signature does not verify with the app secret of phone_number_id " + claimed);
            }
        }
        if (verified.isEmpty() && !unknown.isEmpty()) {
            String claimed = unknown.iterator().next();
            blocker.check(exchange, claimed);
            throw new SignatureInvalidException(Channel.WHATSAPP, null, claimed, "unknown phone_number_id " + claimed);
        }
        if (verified.isEmpty()) {
            blocker.check(exchange, null);
            throw new SignatureInvalidException(Channel.WHATSAPP, null, "body names no phone_number_id to verify against");
        }
        // A body verified with a known number's secret may also carry changes of a number this gateway
        // does not serve (another number of the same Meta app): the normalizer keeps those aside, so one
        // unconfigured number cannot fail everyone's batch (Meta would retry it, then disable the webhook).
        exchange.setProperty(GatewayExchange.VERIFIED_CHANNELS, Map.copyOf(verified));
        long tenants = verified.values().stream().mapToLong(ChannelConfig::tenantId).distinct().count();
        if (tenants == 1) {
            TenantScope.bind(exchange, verified.values().iterator().next().tenantId());
        } else {
            TenantScope.bindSystem(exchange); // one app secret serving several tenants' numbers, each verified
        }
        exchange.getMessage().setBody(root);
    }
}
