package de.inboxgateway.threading;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.normalize.InboundMessage;
import de.inboxgateway.optout.OptOutRepository;

/**
 * Stages 6 and 7 for messages: thread the message into its one conversation and persist it, with the
 * opt-out the STOP filter found, as one unit. Joins the transaction of the inbound pipeline route, so
 * everything of one webhook commits together before the provider hears 200.
 */
@Service("threadingService")
public class ThreadingService {

    private static final Logger LOG = LoggerFactory.getLogger(ThreadingService.class);
    private final ConversationRepository conversations;
    private final MessageRepository messages;
    private final OptOutRepository optOuts;
    private final AuditLog audit;
    private final Clock clock;

    public ThreadingService(ConversationRepository conversations, MessageRepository messages,
                            OptOutRepository optOuts, AuditLog audit, Clock clock) {
        this.conversations = conversations;
        this.messages = messages;
        this.optOuts = optOuts;
        this.audit = audit;
        this.clock = clock;
    }

    public record Threaded(long conversationId, boolean conversationCreated, Long messageId, boolean duplicate) {
    }

    @Transactional
    public Threaded recordInbound(InboundMessage m) {
        Instant now = clock.instant();
        ConversationRepository.Upserted conversation =
                conversations.upsertForInbound(m.tenantId(), m.channel(), m.from(), m.providerTimestamp(), now);
        Optional<Long> messageId = messages.insertInbound(conversation.id(), m, now);
        if (messageId.isEmpty()) {
            LOG.debug("re-delivered {} message {} of tenant {}: already stored", m.channel(), m.providerMessageId(), m.tenant());
            return new Threaded(conversation.id(), false, null, true);
        }
        if (m.optOut() != null) {
            recordOptOut(m, now);
        }
        return new Threaded(conversation.id(), conversation.created(), messageId.get(), false);
    }

    private void recordOptOut(InboundMessage m, Instant now) {
        Optional<Long> optOutId = optOuts.recordIfNotActive(m.tenantId(), m.channel(), m.from(), m.optOut(),
                m.providerMessageId(), now);
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("source", m.optOut());
        detail.put("sourceMessageId", m.providerMessageId());
        optOutId.ifPresent(id -> detail.put("optOutId", id));
        audit.record(new AuditLog.Entry(m.tenantId(), optOutId.isPresent() ? "optout.created" : "optout.repeated",
                "contact:" + m.from(), m.channel().wire(), m.from(), null, detail));
        LOG.info("opt-out {} for tenant {} on {} ({})", optOutId.isPresent() ? "recorded" : "repeated",
                m.tenant(), m.channel(), m.optOut());
    }
}
