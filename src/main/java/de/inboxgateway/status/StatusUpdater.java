package de.inboxgateway.status;

import de.inboxgateway.message.StatusRank;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import de.inboxgateway.events.EventLog;
import de.inboxgateway.events.TenantEvent;
import de.inboxgateway.normalize.StatusUpdate;
import de.inboxgateway.message.MessageRepository;
import de.inboxgateway.message.ProviderErrors;

/**
 * Statuses of our outbound messages: every report is recorded once (deduplicated on message and
 * status), and the message moves forward only. A report for a message not stored yet stays recorded,
 * so the outbound route can apply it when the provider id arrives.
 */
@Service("statusUpdater")
public class StatusUpdater {

    private static final Logger LOG = LoggerFactory.getLogger(StatusUpdater.class);
    private final StatusEventRepository statusEvents;
    private final MessageRepository messages;
    private final Clock clock;
    private final EventLog eventLog;

    public StatusUpdater(StatusEventRepository statusEvents, MessageRepository messages, Clock clock, EventLog events) {
        this.statusEvents = statusEvents;
        this.eventLog = events;
        this.messages = messages;
        this.clock = clock;
    }

    public record Applied(boolean firstReport, Long messageId) {
    }

    @Transactional
    public Applied apply(StatusUpdate s) {
        Instant now = clock.instant();
        int rank = StatusRank.of(s.status());
        statusEvents.lock(s.tenantId(), s.channel().wire(), s.providerMessageId());
        if (!statusEvents.insertIfNew(s, rank, now)) {
            return new Applied(false, null); // the provider repeated itself
        }
        if (rank < 0) {
            LOG.info("unknown {} status '{}' for {} recorded, not applied", s.channel(), s.status(), s.providerMessageId());
            return new Applied(true, null);
        }
        // A failure reported later (Meta answers a send with 200 and reports 131047 by webhook) gets the same
        // reading as one the provider answered at once: the ERP sees WHATSAPP_WINDOW_CLOSED either way.
        String reason = s.errorCode() == null ? null : ProviderErrors.reason(s.errorCode());
        Optional<MessageRepository.Advanced> advanced = messages.advanceStatus(s.tenantId(), s.channel().wire(),
                s.providerMessageId(), s.status(), rank, s.errorCode(), s.errorMessage(), reason, now);
        advanced.ifPresent(a -> eventLog.publish(s.tenantId(), a.conversationId(), s.recipient(), TenantEvent.Status.of(
                s.channel().wire(), s.recipient(), a.id(), s.status(), s.errorCode(), reason, s.providerMessageId())));
        return new Applied(true, advanced.map(MessageRepository.Advanced::id).orElse(null));
    }
}
