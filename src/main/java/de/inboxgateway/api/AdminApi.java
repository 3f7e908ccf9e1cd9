package de.inboxgateway.api;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiKeyRepository;
import de.inboxgateway.access.Scope;
import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.Json;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.support.Rows;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;
import de.inboxgateway.tenant.ChannelRepository;
import de.inboxgateway.tenant.Tenant;
import de.inboxgateway.tenant.TenantRepository;

/** Provisioning: tenants, their channels and API keys. Secrets go in and never come out. */
@Component("adminApi")
public class AdminApi {

    private final TenantRepository tenants;
    private final ChannelRepository channels;
    private final ChannelDirectory directory;
    private final ApiKeyRepository keys;
    private final PhoneNumbers phones;
    private final AuditLog audit;
    private final Json json;
    private final boolean sandboxEnabled;
    private final de.inboxgateway.events.EventLog events;

    public AdminApi(TenantRepository tenants, ChannelRepository channels, ChannelDirectory directory,
                    ApiKeyRepository keys, PhoneNumbers phones, AuditLog audit, Json json,
                    de.inboxgateway.config.GatewayProperties properties, de.inboxgateway.events.EventLog events) {
        this.events = events;
        this.sandboxEnabled = properties.getSandbox().isEnabled();
        this.tenants = tenants;
        this.channels = channels;
        this.directory = directory;
        this.keys = keys;
        this.phones = phones;
        this.audit = audit;
        this.json = json;
    }

    public record TenantRequest(String slug, String name) {
    }

    public Reply createTenant(@Body byte[] body) {
        TenantRequest req = json.read(body, TenantRequest.class);
        if (req.slug() == null || !req.slug().matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw ApiException.invalid("slug must be 1-63 characters of a-z, 0-9 and '-', starting with a letter or digit");
        }
        if (req.name() == null || req.name().isBlank()) {
            throw ApiException.invalid("name is required");
        }
        Tenant tenant = tenants.create(req.slug(), req.name().strip());
        audit.record(new AuditLog.Entry(tenant.id(), "admin.tenant-created", "admin", null, null, null,
                Map.of("slug", tenant.slug())));
        return Reply.created(tenantView(tenant));
    }

    public Object listTenants() {
        return Map.of("items", tenants.list().stream().map(AdminApi::tenantView).toList());
    }

    public Object getTenant(@Header("tenant") String slug) {
        return tenantView(tenants.require(slug));
    }

    public record ChannelRequest(String channel, String phoneNumberId, String displayPhoneNumber, String appSecret,
                                 String accessToken, String verifyToken, String accountSid, String authToken,
                                 String phoneNumber, String messagingServiceSid, Boolean sandbox,
                                 Boolean mms, String wabaId) {
        @Override
        public String toString() {
            return "ChannelRequest[channel=" + channel + "]"; // never print secrets
        }
    }

    public Reply createChannel(@Header("tenant") String slug, @Body byte[] body) {
        Tenant tenant = tenants.require(slug);
        ChannelRequest req = json.read(body, ChannelRequest.class);
        Channel channel = Channel.parse(req.channel());
        boolean sandbox = Boolean.TRUE.equals(req.sandbox());
        if (sandbox && !sandboxEnabled) {
            throw ApiException.invalid("sandbox channels need gateway.sandbox.enabled=true (dev and sandbox profiles only)");
        }
        long id;
        if (channel == Channel.WHATSAPP) {
            require(req.phoneNumberId(), "phoneNumberId");
            require(req.displayPhoneNumber(), "displayPhoneNumber");
            if (!req.phoneNumberId().matches("[0-9]{1,32}")) {
                throw ApiException.invalid("phoneNumberId must be Meta's numeric id of the number");
            }
            ChannelConfig.Secrets secrets = new ChannelConfig.Secrets(secret(req.appSecret(), "appSecret", sandbox),
                    secret(req.accessToken(), "accessToken", sandbox), secret(req.verifyToken(), "verifyToken", sandbox), null);
            // a sandbox number is its own account, so that templates work without further setup
            String wabaId = wabaId(tenant.id(), sandbox && (req.wabaId() == null || req.wabaId().isBlank())
                    ? req.phoneNumberId() : req.wabaId());
            id = channels.insert(tenant.id(), channel, phones.toE164(req.displayPhoneNumber()), req.phoneNumberId(),
                    null, null, secrets, sandbox, false, wabaId);
        } else {
            require(req.phoneNumber(), "phoneNumber");
            String accountSid = sandbox && (req.accountSid() == null || req.accountSid().isBlank())
                    ? "AC" + java.util.HexFormat.of().formatHex(randomBytes(16)) : req.accountSid();
            require(accountSid, "accountSid");
            if (!accountSid.matches("AC[0-9a-fA-F]{32}")) {
                throw ApiException.invalid("accountSid must look like AC followed by 32 hex digits");
            }
            id = channels.insert(tenant.id(), channel, phones.toE164(req.phoneNumber()), null, accountSid,
                    blankToNull(req.messagingServiceSid()),
                    new ChannelConfig.Secrets(null, null, null, secret(req.authToken(), "authToken", sandbox)), sandbox,
                    Boolean.TRUE.equals(req.mms()), null);
        }
        directory.refresh();
        audit.record(new AuditLog.Entry(tenant.id(), "admin.channel-created", "admin", channel.wire(), null, null,
                Map.of("channelId", id, "sandbox", sandbox)));
        return Reply.created(channelViews(tenant.id()).stream().filter(c -> c.get("id").equals(id)).findFirst()
                .orElseThrow());
    }

    public record TenantUpdate(String name, String optOutConfirmationText) {
    }

    public Object updateTenant(@Header("tenant") String slug, @Body byte[] body) {
        Tenant tenant = tenants.require(slug);
        TenantUpdate req = json.read(body, TenantUpdate.class);
        if (req.name() != null && req.name().isBlank()) {
            throw ApiException.invalid("name must not be blank");
        }
        if (req.optOutConfirmationText() != null && req.optOutConfirmationText().length() > 1000) {
            throw ApiException.invalid("optOutConfirmationText is longer than 1000 characters");
        }
        tenants.update(tenant.id(), req.name() == null ? null : req.name().strip(), req.optOutConfirmationText());
        audit.record(new AuditLog.Entry(tenant.id(), "admin.tenant-updated", "admin", null, null, null,
                Map.of("name", String.valueOf(req.name()), "optOutConfirmationText", String.valueOf(req.optOutConfirmationText()))));
        return tenantView(tenants.require(slug));
    }

    /** A real secret is required, except on sandbox channels, which get a random one. */
    private static String secret(String value, String field, boolean sandbox) {
        if (value != null && !value.isBlank()) {
            return value;
        }
        if (sandbox) {
            return "sandbox-" + java.util.HexFormat.of().formatHex(randomBytes(16));
        }
        throw ApiException.invalid(field + " is required");
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new java.security.SecureRandom().nextBytes(b);
        return b;
    }

    public Object listChannels(@Header("tenant") String slug) {
        return Map.of("items", channelViews(tenants.require(slug).id()));
    }

    public record KeyRequest(String name, List<String> scopes) {
    }

    public Reply createApiKey(@Header("tenant") String slug, @Body byte[] body) {
        Tenant tenant = tenants.require(slug);
        KeyRequest req = json.read(body, KeyRequest.class);
        require(req.name(), "name");
        if (req.scopes() == null || req.scopes().isEmpty()) {
            throw ApiException.invalid("scopes must list at least one of: " + Scope.known());
        }
        Set<String> scopes = new TreeSet<>(req.scopes());
        for (String s : scopes) {
            if (!Scope.ALL.contains(s)) {
                throw ApiException.invalid("unknown scope '" + s + "'; known: " + Scope.known());
            }
        }
        ApiKeyRepository.Created created = keys.create(tenant.id(), req.name().strip(), scopes);
        audit.record(new AuditLog.Entry(tenant.id(), "admin.api-key-created", "admin", null, null, null,
                Map.of("keyId", created.id(), "name", req.name().strip(), "scopes", scopes)));
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", created.id());
        view.put("name", req.name().strip());
        view.put("scopes", scopes);
        view.put("key", created.key());
        return Reply.created(view);
    }

    public Object listApiKeys(@Header("tenant") String slug) {
        return Map.of("items", keys.list(tenants.require(slug).id()).stream().map(row -> {
            Map<String, Object> v = Rows.view(row);
            v.put("scopes", List.of(((String) row.get("scopes")).split(" ")));
            return v;
        }).toList());
    }

    public Reply revokeApiKey(@Header("tenant") String slug, @Header("keyId") String keyId) {
        Tenant tenant = tenants.require(slug);
        long id;
        try {
            id = Long.parseLong(keyId);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no API key " + keyId);
        }
        if (!keys.revoke(tenant.id(), id)) {
            throw ApiException.notFound("no active API key " + keyId + " in tenant " + slug);
        }
        audit.record(new AuditLog.Entry(tenant.id(), "admin.api-key-revoked", "admin", null, null, null,
                Map.of("keyId", id)));
        events.announceRevokedKey(id); // every instance closes the live feeds this key opened
        return Reply.noContent();
    }

    /**
     * {@code PATCH /admin/v1/tenants/{tenant}/channels/{id}} {@code {"wabaId"}}: names (or with null
     * clears) the WhatsApp Business Account of a WhatsApp channel, for its templates.
     */
    public Object updateChannel(@Header("tenant") String slug, @Header("id") String id, @Body byte[] body) {
        Tenant tenant = tenants.require(slug);
        com.fasterxml.jackson.databind.JsonNode req = json.read(body, com.fasterxml.jackson.databind.JsonNode.class);
        if (!req.isObject() || !req.has("wabaId") || req.size() != 1) {
            throw ApiException.invalid("the body must be {\"wabaId\": \"<WhatsApp Business Account id>\"} (or null)");
        }
        long channelId;
        try {
            channelId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no channel " + id);
        }
        String wabaId = req.get("wabaId").isNull() ? null : wabaId(tenant.id(), req.get("wabaId").asText(null));
        if (!channels.setWabaId(tenant.id(), channelId, wabaId)) {
            throw ApiException.notFound("no WhatsApp channel " + id + " of tenant " + slug);
        }
        directory.refresh();
        audit.record(new AuditLog.Entry(tenant.id(), "admin.channel-updated", "admin", "whatsapp", null, null,
                java.util.Collections.singletonMap("wabaId", wabaId)));
        return channelViews(tenant.id()).stream().filter(c -> c.get("id").equals(channelId)).findFirst().orElseThrow();
    }

    /** A WABA id is Meta's number, and belongs to one tenant: its webhooks are routed by it. */
    private String wabaId(long tenantId, String wabaId) {
        if (wabaId == null || wabaId.isBlank()) {
            return null;
        }
        if (!wabaId.matches("[0-9]{1,32}")) {
            throw ApiException.invalid("wabaId must be Meta's numeric id of the WhatsApp Business Account");
        }
        directory.refresh();
        if (directory.all().stream().anyMatch(c -> wabaId.equals(c.wabaId()) && c.tenantId() != tenantId)) {
            throw ApiException.conflict("ALREADY_EXISTS", "this WhatsApp Business Account belongs to another tenant");
        }
        return wabaId;
    }

    private List<Map<String, Object>> channelViews(long tenantId) {
        return channels.listPublic(tenantId).stream().map(row -> {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("id", row.get("id"));
            v.put("channel", row.get("channel"));
            if ("whatsapp".equals(row.get("channel"))) {
                v.put("phoneNumberId", row.get("phone_number_id"));
                v.put("displayPhoneNumber", row.get("address"));
                v.put("wabaId", row.get("waba_id"));
            } else {
                v.put("accountSid", row.get("account_sid"));
                v.put("phoneNumber", row.get("address"));
                v.put("messagingServiceSid", row.get("messaging_service_sid"));
                v.put("mms", row.get("mms"));
            }
            v.put("sandbox", row.get("sandbox"));
            v.put("createdAt", Rows.instant(row.get("created_at")));
            return v;
        }).toList();
    }

    private static Map<String, Object> tenantView(Tenant t) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("slug", t.slug());
        v.put("name", t.name());
        v.put("optOutConfirmationText", t.optOutConfirmationText());
        v.put("createdAt", t.createdAt());
        return v;
    }

    private static void require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiException.invalid(field + " is required");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
