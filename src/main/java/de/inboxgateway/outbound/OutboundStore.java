package de.inboxgateway.outbound;

import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

import org.springframework.stereotype.Service;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.events.EventLog;
import de.inboxgateway.events.TenantEvent;
import de.inboxgateway.status.StatusEventRepository;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;
import de.inboxgateway.conversation.ConversationRepository;
import de.inboxgateway.message.MessageRepository;
import de.inboxgateway.message.ProviderErrors;

/**
 * The outbound lifecycle in the database: queued before the provider call (committed, so a crash
 * never loses what was asked), claimed exactly once just before it, then sent with the provider id
 * or failed with the provider's code. Each step is its own short transaction: no transaction is
 * held open across a network call.
 */
@Service("outboundStore")
public class OutboundStore {

    private final ConversationRepository conversations;
    private final MessageRepository messages;
    private final StatusEventRepository statusEvents;
    private final OptOutRecorder optOuts;
    private final ChannelDirectory channels;
    private final AuditLog audit;
    private final Clock clock;
    private final EventLog events;
    private final org.springframework.transaction.support.TransactionTemplate transactions;
    private final java.time.Duration stuckAfter;

    public OutboundStore(ConversationRepository conversations, MessageRepository messages,
                         StatusEventRepository statusEvents, OptOutRecorder optOuts, ChannelDirectory channels,
                         AuditLog audit, Clock clock, EventLog events,
                         org.springframework.transaction.support.TransactionTemplate transactions,
                         de.inboxgateway.config.GatewayProperties properties) {
        this.stuckAfter = properties.getProviders().getStuckAfter();
        this.events = events;
        this.transactions = transactions;
        this.conversations = conversations;
        this.messages = messages;
        this.statusEvents = statusEvents;
        this.optOuts = optOuts;
        this.channels = channels;
        this.audit = audit;
        this.clock = clock;
    }

    /** Stores the message as queued; with a used Idempotency-Key, marks it as a replay of the first instead. */

    public OutboundMessage queue(OutboundMessage m) {
        return transactions.execute(status -> doQueue(m));
    }

    private OutboundMessage doQueue(OutboundMessage m) {
        Instant now = clock.instant();
        ConversationRepository.Upserted conversation = conversations.upsertForOutbound(m.tenantId(), m.channel(), m.to(), now);
        long conversationId = conversation.id();
        String sender = channels.byId(m.channelId()).map(ChannelConfig::address).orElse(null);
        Optional<Long> id = messages.insertOutbound(conversationId, m.toNew(), sender, now);
        if (id.isPresent()) {
            if (conversation.created()) {
                events.publish(m.tenantId(), conversationId, m.to(),
                        new TenantEvent.ConversationCreated(m.channel().wire(), m.to()));
            }
            events.publish(m.tenantId(), conversationId, m.to(), new TenantEvent.Outbound(m.channel().wire(), m.to(),
                    TenantEvent.OutboundMessage.queued(id.get(), m.type(), m.kind(), m.text(), m.actor(),
                            m.media() == null ? java.util.List.of() : java.util.List.of(m.media().view()))));
            return m.queued(id.get(), conversationId);
        }
        // A concurrent request with the same key committed first: answer with its message.
        return m.replaying(sameRequest(m, messages.findByIdempotencyKey(m.tenantId(), m.idempotencyKey())
                .orElseThrow(() -> new IllegalStateException("idempotency key vanished"))));
    }

    /** An earlier message under the same Idempotency-Key, or empty. */
    public Optional<Long> replayOf(OutboundMessage m) {
        if (m.idempotencyKey() == null) {
            return Optional.empty();
        }
        return messages.findByIdempotencyKey(m.tenantId(), m.idempotencyKey()).map(existing -> sameRequest(m, existing));
    }

    private static long sameRequest(OutboundMessage m, MessageRepository.Idempotent existing) {
        if (!Arrays.equals(existing.requestHash(), m.requestHash())) {
            throw ApiException.conflict("IDEMPOTENCY_KEY_REUSED",
                    "this Idempotency-Key was used for a different request");
        }
        return existing.id();
    }

    /** The one attempt: false when another thread or instance attempted this message already. */
    public boolean claim(OutboundMessage m) {
        if (messages.claim(m.id(), clock.instant())) {
            return true;
        }
        MessageRepository.OutboundRow row = messages.findOutbound(m.tenantId(), m.id()).orElseThrow();
        if (row.attemptedAt() == null) { // a STOP committed after the opt-out filter looked
            transactions.executeWithoutResult(status -> {
                messages.recordFailed(m.id(), "OPTOUT_ACTIVE", m.to() + " opted out while the message was on its way",
                        "OPTOUT_ACTIVE", clock.instant());
                audit.record(new AuditLog.Entry(m.tenantId(), "send.blocked-optout", m.actor(), m.channel().wire(), m.to(),
                        null, java.util.Map.of("messageId", m.id(), "at", "claim")));
                events.publish(m.tenantId(), m.conversationId(), m.to(), TenantEvent.Status.of(m.channel().wire(), m.to(),
                        m.id(), "failed", "OPTOUT_ACTIVE", "OPTOUT_ACTIVE", null));
            });
        }
        return false;
    }

    /** Marks messages stuck in queued as failed (NOT_ATTEMPTED or OUTCOME_UNKNOWN), with their events. */
    public int failStuck() {
        return TenantScope.asSystem(() -> transactions.execute(status -> {
            var stuck = messages.failStuck(clock.instant().minus(stuckAfter), clock.instant());
            for (MessageRepository.Stuck s : stuck) {
                events.publish(s.tenantId(), s.conversationId(), s.recipient(), TenantEvent.Status.of(s.channel(),
                        s.recipient(), s.id(), "failed", s.errorCode(),
                        "NOT_ATTEMPTED".equals(s.errorCode()) ? "NOT_SENT" : "OUTCOME_UNKNOWN", null));
            }
            return stuck.size();
        }));
    }

    /**
     * Stores the provider's answer. An accepted message also takes any status the provider reported
     * before we knew its id; a refusal that means "unsubscribed" records the opt-out it reveals.
     */
    public SendOutcome recordResult(OutboundMessage m, ProviderResult result) {
        return transactions.execute(status -> doRecordResult(m, result));
    }

    private SendOutcome doRecordResult(OutboundMessage m, ProviderResult result) {
        Instant now = clock.instant();
        if (result.accepted()) {
            statusEvents.lock(m.tenantId(), m.channel().wire(), result.providerMessageId());
            messages.recordAccepted(m.id(), result.providerMessageId(), now);
            statusEvents.best(m.tenantId(), m.channel().wire(), result.providerMessageId()).ifPresent(best ->
                    messages.advanceStatus(m.tenantId(), m.channel().wire(), result.providerMessageId(), best.status(),
                            best.rank(), best.errorCode(), best.errorMessage(),
                            best.errorCode() == null ? null : ProviderErrors.reason(best.errorCode()), now));
        } else {
            messages.recordFailed(m.id(), result.errorCode(), result.errorMessage(), result.reason(), now);
            if (ProviderErrors.TWILIO_UNSUBSCRIBED.equals(result.errorCode())) {
                Optional<Long> optOut = optOuts.recordIfNotActive(m.tenantId(), m.channel(), m.to(),
                        "provider:twilio-21610", null, now);
                audit.record(new AuditLog.Entry(m.tenantId(), "optout.provider-signal", "provider:twilio",
                        m.channel().wire(), m.to(), null, java.util.Map.of("errorCode", result.errorCode(),
                        "messageId", m.id(), "newOptOut", optOut.isPresent())));
                if (optOut.isPresent()) {
                    events.publish(m.tenantId(), m.conversationId(), m.to(), new TenantEvent.OptOut(m.channel().wire(), m.to(),
                            "provider:twilio-21610", null));
                }
            }
        }
        SendOutcome outcome = outcome(m.tenantId(), m.id(), false);
        events.publish(m.tenantId(), outcome.conversationId(), m.to(), TenantEvent.Status.of(m.channel().wire(), m.to(),
                m.id(), outcome.status(), outcome.errorCode(), outcome.errorReason(), outcome.providerMessageId()));
        return outcome;
    }

    public SendOutcome outcome(long tenantId, long messageId, boolean replayed) {
        MessageRepository.OutboundRow row = messages.findOutbound(tenantId, messageId)
                .orElseThrow(() -> ApiException.notFound("no outbound message " + messageId));
        return new SendOutcome(row.id(), row.conversationId(), row.status(), row.providerMessageId(), row.errorCode(),
                row.errorMessage(), row.errorReason(), replayed);
    }
}
