package de.inboxgateway.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.template.Template;
import de.inboxgateway.template.TemplateRepository;

/** The tenant's stored WhatsApp templates, as Meta listed them. */
@Component("templatesApi")
public class TemplatesApi {

    private final TemplateRepository templates;
    private final de.inboxgateway.tenant.ChannelDirectory channels;

    public TemplatesApi(TemplateRepository templates, de.inboxgateway.tenant.ChannelDirectory channels) {
        this.templates = templates;
        this.channels = channels;
    }

    /** The WhatsApp Business Accounts the tenant's WhatsApp channels name now. */
    private List<String> accounts(long tenantId) {
        return channels.forTenant(tenantId).stream()
                .filter(c -> c.channel() == de.inboxgateway.support.Channel.WHATSAPP && c.wabaId() != null)
                .map(de.inboxgateway.tenant.ChannelConfig::wabaId).distinct().toList();
    }

    /** {@code GET /api/v1/templates?status=}: a tenant without a WhatsApp Business Account has none. */
    public Object list(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("status") String status) {
        return page(templates.list(principal.tenantId(), accounts(principal.tenantId()),
                status == null || status.isBlank() ? null : status.strip().toUpperCase()));
    }

    /** After a sync: everything stored now. */
    public Object all(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal) {
        return page(templates.list(principal.tenantId(), accounts(principal.tenantId()), null));
    }

    private static Map<String, Object> page(List<Template> list) {
        return Map.of("items", list.stream().map(TemplatesApi::view).toList());
    }

    static Map<String, Object> view(Template t) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("name", t.name());
        v.put("language", t.language());
        v.put("status", t.status());
        v.put("category", t.category());
        v.put("parameterFormat", t.parameterFormat());
        v.put("components", t.components());
        v.put("id", t.providerId());
        v.put("wabaId", t.wabaId());
        v.put("reason", t.reason());
        v.put("syncedAt", t.syncedAt());
        v.put("updatedAt", t.updatedAt());
        return v;
    }
}
