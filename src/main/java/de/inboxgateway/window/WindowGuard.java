package de.inboxgateway.window;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.springframework.stereotype.Component;

import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.support.GatewayException;
import de.inboxgateway.support.Channel;
import de.inboxgateway.conversation.ConversationRepository;

/**
 * Outbound stage, WhatsApp only: free-form messages only within 24 h of the contact's last inbound
 * message, measured from the provider's timestamp; otherwise 409 {@code WHATSAPP_WINDOW_CLOSED},
 * audited. SMS has no window; a template may go out at any time (and opens nothing: the window stays
 * measured from the resident's last message).
 */
@Component("windowGuard")
public class WindowGuard {

    public static final Duration SERVICE_WINDOW = Duration.ofHours(24);
    private final ConversationRepository conversations;
    private final AuditLog audit;
    private final Clock clock;

    public WindowGuard(ConversationRepository conversations, AuditLog audit, Clock clock) {
        this.conversations = conversations;
        this.audit = audit;
        this.clock = clock;
    }

    /** Pure rule: open when now is before lastInbound + 24 h. */
    public static boolean isOpen(Instant lastInbound, Instant now) {
        return lastInbound != null && now.isBefore(lastInbound.plus(SERVICE_WINDOW));
    }

    public OutboundMessage check(OutboundMessage m) {
        if (m.channel() != Channel.WHATSAPP || m.template() != null) {
            return m; // SMS has no window; an approved template is what WhatsApp allows outside it
        }
        Optional<Instant> lastInbound = conversations.lastInboundAt(m.tenantId(), m.channel(), m.to());
        if (isOpen(lastInbound.orElse(null), clock.instant())) {
            return m;
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("lastInboundAt", lastInbound.map(Instant::toString).orElse(null));
        detail.put("kind", m.kind());
        audit.record(new AuditLog.Entry(m.tenantId(), "send.blocked-window", m.actor(), m.channel().wire(), m.to(),
                null, detail));
        throw new GatewayException.Refused("WHATSAPP_WINDOW_CLOSED", lastInbound
                .map(t -> "the last message of " + m.to() + " was at " + t + "; free-form replies are possible for 24 h")
                .orElse(m.to() + " has never written on WhatsApp; free-form messages need an open 24 h window"));
    }
}
