package de.inboxgateway.channel.whatsapp;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.conversation.WorkItems;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.message.ProviderErrors;
import de.inboxgateway.outbound.ProviderResult;
import de.inboxgateway.provider.ProviderEndpoints;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.Channel;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;

/**
 * The WhatsApp provider endpoint's two halves around camel-http: the Graph API request
 * ({@code POST /{version}/{phone-number-id}/messages}, bearer token from the channel) and the
 * reading of its answer. Keyed on Meta's error code, never on the text.
 */
@Component("graphApi")
public class GraphApi {

    /** Exchange property: the request URL, built here so no token or id is pasted into a route. */
    public static final String URL = "graphUrl";
    private final ChannelDirectory channels;
    private final ProviderEndpoints endpoints;
    private final ObjectMapper mapper;

    public GraphApi(ChannelDirectory channels, ProviderEndpoints endpoints, ObjectMapper mapper) {
        this.channels = channels;
        this.endpoints = endpoints;
        this.mapper = mapper;
    }

    public void prepare(Exchange exchange) throws IOException {
        OutboundMessage m = exchange.getMessage().getBody(OutboundMessage.class);
        ChannelConfig channel = channels.byId(m.channelId())
                .orElseThrow(() -> ApiException.conflict("CHANNEL_NOT_CONFIGURED", "channel " + m.channelId() + " is gone"));
        ObjectNode body = mapper.createObjectNode()
                .put("messaging_product", "whatsapp")
                .put("recipient_type", "individual")
                .put("to", m.to())
                .put("type", m.type());
        if (m.template() != null) {
            ObjectNode template = body.putObject("template").put("name", m.template().name());
            template.putObject("language").put("code", m.template().language());
            if (!m.template().components().isEmpty()) {
                template.set("components", m.template().components());
            }
        } else if (m.media() == null) {
            body.putObject("text").put("body", m.text()).put("preview_url", false);
        } else {
            // Sent by the id the upload step got from Meta; caption and filename as Meta allows them per kind.
            ObjectNode media = body.putObject(m.type()).put("id", exchange.getProperty(GraphMedia.UPLOADED_ID, String.class));
            if (m.text() != null && !"audio".equals(m.type()) && !"sticker".equals(m.type())) {
                media.put("caption", m.text());
            }
            if ("document".equals(m.type()) && m.media().filename() != null) {
                media.put("filename", m.media().filename());
            }
        }
        request(exchange, channel, body);
    }

    private void request(Exchange exchange, ChannelConfig channel, ObjectNode body) throws IOException {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_METHOD, "POST");
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setHeader("Authorization", "Bearer " + channel.secrets().accessToken());
        message.setBody(mapper.writeValueAsBytes(body));
        exchange.setProperty(URL, endpoints.graphBaseUrl(channel) + "/" + endpoints.graphApiVersion() + "/"
                + channel.phoneNumberId() + "/messages");
    }

    /**
     * A read receipt ({@code {"messaging_product":"whatsapp","status":"read","message_id":…}}) through
     * the number the message came to; the tenant's first WhatsApp number if that one is gone.
     */
    public void prepareReadReceipt(Exchange exchange) throws IOException {
        WorkItems.ReceiptDue receipt = exchange.getMessage().getBody(WorkItems.ReceiptDue.class);
        var whatsapp = channels.forTenant(receipt.tenantId()).stream().filter(c -> c.channel() == Channel.WHATSAPP)
                .sorted(java.util.Comparator.comparing((ChannelConfig c) -> !c.address().equals(receipt.businessNumber()))
                        .thenComparingLong(ChannelConfig::id)).toList();
        if (whatsapp.isEmpty()) {
            throw ApiException.conflict("CHANNEL_NOT_CONFIGURED", "the tenant has no WhatsApp number any more");
        }
        ChannelConfig channel = whatsapp.get(0);
        ObjectNode body = mapper.createObjectNode()
                .put("messaging_product", "whatsapp")
                .put("status", "read")
                .put("message_id", receipt.providerMessageId());
        request(exchange, channel, body);
    }

    /** Meta answers a read receipt with {@code {"success":true}}. */
    public ProviderResult readReceiptResult(Exchange exchange) {
        Answer answer = answer(exchange);
        if (answer.ok()) {
            return answer.json().path("success").asBoolean(true) ? ProviderResult.accepted(null)
                    : ProviderResult.rejected("INVALID_PROVIDER_RESPONSE", "Graph API did not confirm the read receipt");
        }
        return answer.error();
    }

    private record Answer(boolean ok, int status, JsonNode json, ProviderResult error) {
    }

    private Answer answer(Exchange exchange) {
        var message = exchange.getMessage();
        Integer status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String raw = message.getBody(String.class);
        message.removeHeaders("*"); // the response's headers must not travel on
        JsonNode json;
        try {
            json = raw == null || raw.isBlank() ? mapper.createObjectNode() : mapper.readTree(raw);
        } catch (IOException e) {
            json = mapper.createObjectNode();
        }
        if (status != null && status >= 200 && status < 300) {
            return new Answer(true, status, json, null);
        }
        JsonNode error = json.path("error");
        String code = error.has("code") ? error.path("code").asText() : "HTTP_" + status;
        String text = error.path("message").asText("Graph API answered HTTP " + status);
        return new Answer(false, status == null ? 0 : status, json, ProviderResult.rejected(code, text));
    }

    public ProviderResult result(Exchange exchange) {
        Answer answer = answer(exchange);
        if (answer.ok()) {
            String id = answer.json().path("messages").path(0).path("id").asText(null);
            return id != null ? ProviderResult.accepted(id)
                    : ProviderResult.rejected("INVALID_PROVIDER_RESPONSE", "Graph API answered " + answer.status()
                    + " without a message id");
        }
        return answer.error();
    }

    /** The call itself failed: refused before sending, or no answer in time (outcome unknown). */
    public ProviderResult failure(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        exchange.getMessage().removeHeaders("*");
        return networkFailure(e);
    }

    public static ProviderResult networkFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ApiException api) { // refused by the gateway itself before anything was sent
                return new ProviderResult(false, null, api.code(), api.getMessage(), api.code());
            }
            if (t instanceof de.inboxgateway.support.GatewayException g) {
                return new ProviderResult(false, null, g.code(), g.getMessage(), g.code());
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException
                    || t instanceof org.apache.hc.client5.http.HttpHostConnectException) {
                return ProviderResult.rejected(ProviderErrors.UNREACHABLE, "provider not reachable: " + t.getMessage());
            }
        }
        return ProviderResult.rejected(ProviderErrors.TIMEOUT, "no answer from the provider in time; the message may or "
                + "may not have been sent, so it is not retried automatically (" + (e == null ? "" : e.getClass().getSimpleName()) + ")");
    }
}
