package de.inboxgateway.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.conversation.ConversationRepository;
import de.inboxgateway.conversation.ConversationRepository.ConversationRow;
import de.inboxgateway.conversation.WorkItems;
import de.inboxgateway.outbound.ProviderResult;
import de.inboxgateway.support.Json;
import de.inboxgateway.support.Text;
import de.inboxgateway.message.MessageRepository;
import de.inboxgateway.message.MessageRepository.MessageRow;

/** Threads for the ERP and the inbox: conversations newest first, and their messages. */
@Component("conversationsApi")
public class ConversationsApi {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConversationsApi.class);

    /** WhatsApp's customer service window. */
    public static final Duration SERVICE_WINDOW = Duration.ofHours(24);

    private final ConversationRepository conversations;
    private final MessageRepository messages;
    private final PhoneNumbers phones;
    private final GatewayProperties.Api paging;
    private final Clock clock;
    private final MessageView messageView;
    private final WorkItems workItems;
    private final Json json;

    public ConversationsApi(ConversationRepository conversations, MessageRepository messages, PhoneNumbers phones,
                            GatewayProperties properties, Clock clock, MessageView messageView, WorkItems workItems,
                            Json json) {
        this.workItems = workItems;
        this.json = json;
        this.messageView = messageView;
        this.conversations = conversations;
        this.messages = messages;
        this.phones = phones;
        this.paging = properties.getApi();
        this.clock = clock;
    }

    public Object list(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                       @Header("channel") String channel, @Header("phone") String phone,
                       @Header("status") String status, @Header("externalRef") String externalRef,
                       @Header("assignee") String assignee,
                       @Header("limit") String limit, @Header("cursor") String cursor) {
        int size = Cursor.limit(limit, paging);
        Cursor.Position after = Cursor.decodeTimed(cursor);
        List<ConversationRow> rows = conversations.list(principal.tenantId(), new ConversationRepository.Filter(
                        blank(channel) ? null : Channel.parse(channel),
                        blank(phone) ? null : phones.toE164(phone),
                        blank(status) ? null : status(status), blank(externalRef) ? null : externalRef,
                        blank(assignee) ? null : assignee),
                after == null ? null : after.at(), after == null ? null : after.id(), size + 1);
        String next = null;
        if (rows.size() > size) {
            rows = rows.subList(0, size);
            ConversationRow last = rows.get(size - 1);
            next = Cursor.encode(last.lastMessageAt(), last.id());
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("items", rows.stream().map(this::view).toList());
        page.put("nextCursor", next);
        return page;
    }

    public Object get(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id) {
        return view(require(principal, id));
    }

    public Object messages(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                           @Header("id") String id, @Header("limit") String limit, @Header("cursor") String cursor) {
        ConversationRow conversation = require(principal, id);
        int size = Cursor.limit(limit, paging);
        Cursor.Position before = Cursor.decodeId(cursor);
        List<MessageRow> rows = messages.listByConversation(principal.tenantId(), conversation.id(),
                before == null ? null : before.id(), size + 1);
        String next = null;
        if (rows.size() > size) {
            rows = rows.subList(0, size);
            next = Cursor.encode(null, rows.get(size - 1).id());
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("items", messageView.of(principal.tenantId(), rows));
        page.put("nextCursor", next);
        return page;
    }

    /**
     * {@code PATCH /conversations/{id}}: any of status, externalRef, assignee ({@code null} clears one).
     * The change and its {@code conversation.updated} event commit together; no change, no event.
     */
    public Object patch(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id,
                        @Body byte[] body) {
        long conversationId = parseId(id);
        WorkItems.Patch patch = readPatch(body);
        workItems.update(principal.tenantId(), conversationId, patch, principal.actor())
                .orElseThrow(() -> ApiException.notFound("no conversation " + id));
        return view(require(principal, id));
    }

    /**
     * {@code POST /conversations/{id}/read}: everything inbound is read ({@code conversation.read}). On
     * WhatsApp a read receipt may be due: it travels as {@link #RECEIPT} to the receipt route, after
     * the read has committed, so its fate never changes the read.
     */
    public void read(Exchange exchange, @ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                     @Header("id") String id) {
        long conversationId = parseId(id);
        Optional<WorkItems.ReceiptDue> due = workItems.read(principal.tenantId(), conversationId, principal.actor())
                .orElseThrow(() -> ApiException.notFound("no conversation " + id));
        exchange.setProperty(CONVERSATION, conversationId);
        due.ifPresent(receipt -> exchange.setProperty(RECEIPT, receipt));
    }

    /** The conversation the route is about ({@link #CONVERSATION}), as it is now. */
    public Object current(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                          @ExchangeProperty(CONVERSATION) Long conversationId) {
        return view(require(principal, String.valueOf(conversationId)));
    }

    /**
     * The provider's answer to a read receipt, kept on the conversation ({@code readReceipt}). A refusal
     * is logged and shown there; it never fails the read.
     */
    public void receiptAnswered(@ExchangeProperty(RECEIPT) WorkItems.ReceiptDue receipt, @Body ProviderResult result) {
        String error = result.accepted() ? null : result.errorCode() + ": " + Text.truncate(result.errorMessage(), 300);
        if (!result.accepted()) {
            LOG.warn("read receipt for message {} of conversation {} refused: {}", receipt.messageId(),
                    receipt.conversationId(), Text.forLog(error, 400));
        }
        workItems.receiptAnswered(receipt, result.accepted(), error);
    }

    /** Exchange property: the conversation of a read, kept while the receipt route replaces headers and body. */
    public static final String CONVERSATION = "conversationId";
    /** Exchange property: the {@link WorkItems.ReceiptDue} a read made due. */
    public static final String RECEIPT = "readReceipt";

    private static final Set<String> PATCHABLE = Set.of("status", "externalRef", "assignee");
    private static final int MAX_FIELD = 200;

    private WorkItems.Patch readPatch(byte[] body) {
        JsonNode json = this.json.read(body, JsonNode.class);
        if (!json.isObject()) {
            throw ApiException.invalid("the body must be a JSON object with any of status, externalRef, assignee");
        }
        json.fieldNames().forEachRemaining(name -> {
            if (!PATCHABLE.contains(name)) {
                throw ApiException.invalid("'" + name + "' cannot be changed: only status, externalRef and assignee");
            }
        });
        WorkItems.Field status = null;
        if (json.has("status")) {
            JsonNode v = json.get("status");
            if (!v.isTextual()) {
                throw ApiException.invalid("status must be 'open' or 'closed'");
            }
            status = new WorkItems.Field(status(v.asText()));
        }
        return new WorkItems.Patch(status, text(json, "externalRef"), text(json, "assignee"));
    }

    private static WorkItems.Field text(JsonNode json, String name) {
        if (!json.has(name)) {
            return null;
        }
        JsonNode v = json.get(name);
        if (v.isNull()) {
            return new WorkItems.Field(null);
        }
        if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > MAX_FIELD) {
            throw ApiException.invalid(name + " must be a non-empty string of at most " + MAX_FIELD
                    + " characters, or null to clear it");
        }
        return new WorkItems.Field(Text.clean(v.asText().strip()));
    }

    private static String status(String value) {
        if (!WorkItems.OPEN.equals(value) && !WorkItems.CLOSED.equals(value)) {
            throw ApiException.invalid("status must be 'open' or 'closed'");
        }
        return value;
    }

    private static boolean blank(String value) {
        return value == null || value.isBlank();
    }

    private static long parseId(String id) {
        try {
            return Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no conversation " + id);
        }
    }

    private ConversationRow require(ApiPrincipal principal, String id) {
        long conversationId = parseId(id);
        // Another tenant's conversation is indistinguishable from a missing one.
        return conversations.find(principal.tenantId(), conversationId)
                .orElseThrow(() -> ApiException.notFound("no conversation " + id));
    }

    private static Map<String, Object> receipt(ConversationRepository.ReadReceipt r) {
        if (r == null) {
            return null;
        }
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("messageId", r.messageId());
        v.put("status", r.status() == null ? "sending" : r.status());
        v.put("error", r.error());
        v.put("at", r.at());
        return v;
    }

    private Map<String, Object> view(ConversationRow c) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", c.id());
        v.put("channel", c.channel());
        v.put("phone", c.phone());
        v.put("contact", c.contact());
        v.put("lastInboundAt", c.lastInboundAt());
        boolean whatsapp = Channel.WHATSAPP.wire().equals(c.channel());
        Instant windowEnd = whatsapp && c.lastInboundAt() != null ? c.lastInboundAt().plus(SERVICE_WINDOW) : null;
        v.put("windowOpenUntil", windowEnd);
        v.put("windowOpen", whatsapp ? windowEnd != null && clock.instant().isBefore(windowEnd) : null);
        v.put("optedOut", c.optedOut());
        v.put("createdAt", c.createdAt());
        v.put("lastMessageAt", c.lastMessageAt());
        v.put("status", c.work().status());
        v.put("externalRef", c.work().externalRef());
        v.put("assignee", c.work().assignee());
        v.put("unreadCount", c.unreadCount());
        v.put("readAt", c.readAt());
        v.put("readReceipt", receipt(c.readReceipt()));
        return v;
    }

}
