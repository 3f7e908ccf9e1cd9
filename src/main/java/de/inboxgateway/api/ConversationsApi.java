package de.inboxgateway.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
import de.inboxgateway.message.MessageRepository;
import de.inboxgateway.message.MessageRepository.MessageRow;

/** Threads for the ERP and the inbox: conversations newest first, and their messages. */
@Component("conversationsApi")
public class ConversationsApi {

    /** WhatsApp's customer service window. */
    public static final Duration SERVICE_WINDOW = Duration.ofHours(24);

    private final ConversationRepository conversations;
    private final MessageRepository messages;
    private final PhoneNumbers phones;
    private final GatewayProperties.Api paging;
    private final Clock clock;
    private final MessageView messageView;

    public ConversationsApi(ConversationRepository conversations, MessageRepository messages, PhoneNumbers phones,
                            GatewayProperties properties, Clock clock, MessageView messageView) {
        this.messageView = messageView;
        this.conversations = conversations;
        this.messages = messages;
        this.phones = phones;
        this.paging = properties.getApi();
        this.clock = clock;
    }

    public Object list(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal,
                       @Header("channel") String channel, @Header("phone") String phone,
                       @Header("limit") String limit, @Header("cursor") String cursor) {
        int size = Cursor.limit(limit, paging);
        Cursor.Position after = Cursor.decodeTimed(cursor);
        List<ConversationRow> rows = conversations.list(principal.tenantId(),
                channel == null || channel.isBlank() ? null : Channel.parse(channel),
                phone == null || phone.isBlank() ? null : phones.toE164(phone),
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

    private ConversationRow require(ApiPrincipal principal, String id) {
        long conversationId;
        try {
            conversationId = Long.parseLong(id);
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no conversation " + id);
        }
        // Another tenant's conversation is indistinguishable from a missing one.
        return conversations.find(principal.tenantId(), conversationId)
                .orElseThrow(() -> ApiException.notFound("no conversation " + id));
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
        return v;
    }

}
