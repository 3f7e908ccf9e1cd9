package de.inboxgateway.channel.whatsapp;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.provider.ProviderEndpoints;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;
import de.inboxgateway.template.Template;
import de.inboxgateway.template.TemplateRepository;

/**
 * The template list of a WhatsApp Business Account around camel-http ({@code routes/templates.camel.yaml}):
 * {@code GET /{version}/{waba-id}/message_templates}, page after page until Meta's answer has no
 * {@code paging.next}, with the token of a channel of that account. The next page is asked for with
 * the {@code after} cursor on the configured base URL: a URL from the answer is never followed.
 */
@Component("graphTemplates")
public class GraphTemplates {

    /** Exchange property: non-null while there is a page to read. */
    public static final String NEXT = "templatePage";
    static final String FOUND = "templatesFound";
    static final String TARGET = "templateSyncTarget";
    static final String STARTED = "templateSyncStarted";
    static final String FIELDS = "name,parameter_format,components,language,status,category,id";
    static final int PAGE_SIZE = 100;
    /** 6,000 templates (Meta's maximum per account) are 60 pages: more means a server that never ends. */
    static final int MAX_PAGES = 100;

    private final ChannelDirectory channels;
    private final ProviderEndpoints endpoints;
    private final ObjectMapper mapper;
    private final TemplateRepository templates;
    private final Clock clock;

    public GraphTemplates(ChannelDirectory channels, ProviderEndpoints endpoints, ObjectMapper mapper,
                          TemplateRepository templates, Clock clock) {
        this.channels = channels;
        this.endpoints = endpoints;
        this.mapper = mapper;
        this.templates = templates;
        this.clock = clock;
    }

    /** One account to read, through the WhatsApp channel whose token is used. */
    public record SyncTarget(long tenantId, String wabaId, long channelId) {
    }

    /** The tenant's WhatsApp Business Accounts; 409 when none of its WhatsApp channels names one. */
    public List<SyncTarget> plan(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal) {
        Map<String, SyncTarget> byWaba = new LinkedHashMap<>();
        channels.forTenant(principal.tenantId()).stream()
                .filter(c -> c.channel() == Channel.WHATSAPP && c.wabaId() != null)
                .sorted(Comparator.comparingLong(ChannelConfig::id))
                .forEach(c -> byWaba.putIfAbsent(c.wabaId(), new SyncTarget(c.tenantId(), c.wabaId(), c.id())));
        if (byWaba.isEmpty()) {
            throw ApiException.conflict("CHANNEL_NOT_CONFIGURED", "no WhatsApp channel of tenant " + principal.tenantSlug()
                    + " names its WhatsApp Business Account: set wabaId on the channel (admin API)");
        }
        return List.copyOf(byWaba.values());
    }

    public void firstPage(Exchange exchange) {
        SyncTarget target = exchange.getMessage().getBody(SyncTarget.class);
        exchange.setProperty(TARGET, target);
        exchange.setProperty(STARTED, clock.instant());
        exchange.setProperty(FOUND, new ArrayList<Template>());
        exchange.setProperty(NEXT, 1);
        request(exchange, target, null);
    }

    private void request(Exchange exchange, SyncTarget target, String after) {
        ChannelConfig channel = channels.byId(target.channelId())
                .orElseThrow(() -> ApiException.conflict("CHANNEL_NOT_CONFIGURED", "channel " + target.channelId() + " is gone"));
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(null);
        message.setHeader(Exchange.HTTP_METHOD, "GET");
        message.setHeader("Authorization", "Bearer " + channel.secrets().accessToken());
        message.setHeader(Exchange.HTTP_QUERY, "fields=" + FIELDS + "&limit=" + PAGE_SIZE
                + (after == null ? "" : "&after=" + java.net.URLEncoder.encode(after, java.nio.charset.StandardCharsets.UTF_8)));
        exchange.setProperty(GraphApi.URL, endpoints.graphBaseUrl(channel) + "/" + endpoints.graphApiVersion() + "/"
                + target.wabaId() + "/message_templates");
    }

    /** Reads one page; asks for the next one, or ends the loop. A refusal by Meta fails the sync (502). */
    @SuppressWarnings("unchecked")
    public void page(Exchange exchange) throws IOException {
        var message = exchange.getMessage();
        Integer status = message.getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        String raw = message.getBody(String.class);
        JsonNode json = raw == null || raw.isBlank() ? mapper.createObjectNode() : readOrEmpty(raw);
        if (status == null || status < 200 || status >= 300) {
            JsonNode error = json.path("error");
            throw new ApiException(502, "PROVIDER_ERROR", "the Graph API refused the template list: "
                    + (error.has("code") ? error.path("code").asText() + " " : "HTTP " + status + " ")
                    + error.path("message").asText(""));
        }
        List<Template> found = exchange.getProperty(FOUND, List.class);
        SyncTarget target = exchange.getProperty(TARGET, SyncTarget.class);
        for (JsonNode t : json.path("data")) {
            if (!t.path("name").isTextual() || !t.path("language").isTextual()) {
                continue; // nothing to send it by
            }
            found.add(new Template(target.wabaId(), t.path("id").asText(null), t.path("name").asText(),
                    Template.language(t.path("language").asText()), t.path("status").asText("UNKNOWN").toUpperCase(),
                    t.path("category").asText(null), t.path("parameter_format").asText("POSITIONAL").toUpperCase(),
                    t.path("components").isArray() ? t.path("components") : mapper.createArrayNode(), null, null, null));
        }
        int pages = exchange.getProperty(NEXT, Integer.class);
        String after = json.path("paging").path("cursors").path("after").asText(null);
        // Meta's only end-of-list signal is a missing paging.next
        if (!json.path("paging").path("next").isTextual() || after == null) {
            exchange.setProperty(NEXT, null);
            return;
        }
        if (pages >= MAX_PAGES) {
            throw new ApiException(502, "PROVIDER_ERROR", "the template list did not end after " + MAX_PAGES + " pages");
        }
        exchange.setProperty(NEXT, pages + 1);
        request(exchange, target, after);
    }

    private JsonNode readOrEmpty(String raw) {
        try {
            return mapper.readTree(raw);
        } catch (IOException e) {
            return mapper.createObjectNode();
        }
    }

    /** Everything the account listed replaces what was stored for it. */
    @SuppressWarnings("unchecked")
    public void store(Exchange exchange) {
        SyncTarget target = exchange.getProperty(TARGET, SyncTarget.class);
        List<Template> found = exchange.getProperty(FOUND, List.class);
        templates.replaceAll(target.tenantId(), target.wabaId(), found, exchange.getProperty(STARTED, Instant.class),
                clock.instant());
        exchange.getMessage().removeHeaders("*");
    }
}
