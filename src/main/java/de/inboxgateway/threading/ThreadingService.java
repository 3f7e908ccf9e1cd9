package de.inboxgateway.threading;

import de.inboxgateway.conversation.ConversationRepository;
import de.inboxgateway.message.MessageRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.normalize.InboundMessage;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.events.EventLog;
import de.inboxgateway.events.TenantEvent;
import de.inboxgateway.support.AfterCommit;
import de.inboxgateway.media.MediaDownloads;
import de.inboxgateway.media.MediaRepository;
import de.inboxgateway.media.MediaRow;
import de.inboxgateway.media.MediaTypes;
import de.inboxgateway.normalize.MediaRef;
import de.inboxgateway.optout.OptOutRepository;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.tenant.TenantRepository;

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
    private final TenantRepository tenants;
    private final String defaultConfirmation;
    private final EventLog events;
    private final MediaRepository media;
    private final MediaDownloads downloads;
    private final org.apache.camel.ProducerTemplate producer;

    public ThreadingService(ConversationRepository conversations, MessageRepository messages,
                            OptOutRepository optOuts, AuditLog audit, Clock clock, TenantRepository tenants,
                            GatewayProperties properties, EventLog events, MediaRepository media,
                            MediaDownloads downloads, org.apache.camel.ProducerTemplate producer) {
        this.producer = producer;
        this.events = events;
        this.media = media;
        this.downloads = downloads;
        this.tenants = tenants;
        this.defaultConfirmation = properties.getOptout().getConfirmationText();
        this.conversations = conversations;
        this.messages = messages;
        this.optOuts = optOuts;
        this.audit = audit;
        this.clock = clock;
    }

    public record Threaded(long conversationId, boolean conversationCreated, Long messageId, boolean duplicate) {
    }

    /**
     * Where a queued opt-out confirmation goes once its transaction committed (routes/optout-confirmations).
     * Asynchronous on purpose: a synchronous route call from here would run (and clear) its own tenant
     * scope on this thread in the middle of the webhook's work.
     */
    static final String CONFIRMATIONS = "seda:optout-confirmations";

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
        List<Map<String, Object>> mediaItems = recordMedia(m, messageId.get(), now);
        if (conversation.created()) {
            events.publish(m.tenantId(), conversation.id(), m.from(),
                    new TenantEvent.ConversationCreated(m.channel().wire(), m.from()));
        }
        events.publish(m.tenantId(), conversation.id(), m.from(), new TenantEvent.Inbound(m.channel().wire(), m.from(),
                TenantEvent.InboundMessage.of(messageId.get(), m.type(), m.providerMessageId(), m.text(), mediaItems,
                        m.providerTimestamp(), m.profileName())));
        if ("closed".equals(conversation.status())) {
            // the resident wrote again: the case is open again, with its ERP reference and assignee
            conversations.reopen(m.tenantId(), conversation.id()).ifPresent(item -> events.publish(m.tenantId(),
                    conversation.id(), m.from(), new TenantEvent.ConversationUpdated(m.channel().wire(), m.from(),
                            item.status(), item.externalRef(), item.assignee(), List.of("status"), "contact:" + m.from())));
        }
        if (m.optOut() != null) {
            Long confirmationId = recordOptOut(m, conversation.id(), now);
            if (confirmationId != null) {
                AfterCommit.run(() -> handOver(confirmationId));
            }
        }
        return new Threaded(conversation.id(), conversation.created(), messageId.get(), false);
    }

    /**
     * Each attachment becomes a pending media item; its download starts after this transaction commits
     * (the webhook's answer never waits for it), and survives a restart as the pending row.
     */
    private List<Map<String, Object>> recordMedia(InboundMessage m, long messageId, Instant now) {
        if (m.media() == null || m.media().isEmpty()) {
            return List.of();
        }
        List<Map<String, Object>> items = new ArrayList<>();
        for (int i = 0; i < m.media().size(); i++) {
            MediaRef ref = m.media().get(i);
            String kind = KINDS.contains(m.type()) && m.channel() == de.inboxgateway.support.Channel.WHATSAPP
                    ? m.type() : MediaTypes.kind(ref.mimeType());
            MediaRow row = media.insertInbound(m.tenantId(), messageId, m.channel().wire(), m.channelId(), i, kind,
                    MediaTypes.normalize(ref.mimeType()), ref.filename(), ref.caption(), ref.id(), ref.url(), ref.sha256(),
                    now);
            items.add(row.view());
        }
        downloads.wakeAfterCommit();
        return items;
    }

    /** Only a nudge: the queued row is the work, and the sweeper sends it if this does not arrive. */
    private void handOver(long confirmationId) {
        try {
            producer.sendBody(CONFIRMATIONS, confirmationId);
        } catch (RuntimeException e) {
            LOG.warn("opt-out confirmation {} left to the sweeper: {}", confirmationId, e.getMessage());
        }
    }

    private static final java.util.Set<String> KINDS = java.util.Set.of("image", "document", "audio", "video", "sticker");

    /** Writes the opt-out and its audit entry; queues the one confirmation when the opt-out is new. */
    private Long recordOptOut(InboundMessage m, long conversationId, Instant now) {
        Optional<Long> optOutId = optOuts.recordIfNotActive(m.tenantId(), m.channel(), m.from(), m.optOut(),
                m.providerMessageId(), now);
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("source", m.optOut());
        detail.put("sourceMessageId", m.providerMessageId());
        optOutId.ifPresent(id -> detail.put("optOutId", id));
        audit.record(new AuditLog.Entry(m.tenantId(), optOutId.isPresent() ? "optout.created" : "optout.repeated",
                "contact:" + m.from(), m.channel().wire(), m.from(), null, detail));
        if (optOutId.isPresent()) {
            events.publish(m.tenantId(), conversationId, m.from(), new TenantEvent.OptOut(m.channel().wire(), m.from(),
                    m.optOut(), m.providerMessageId()));
        }
        LOG.info("opt-out {} for tenant {} on {} ({})", optOutId.isPresent() ? "recorded" : "repeated",
                m.tenant(), m.channel(), m.optOut());
        // Twilio's Advanced Opt-Out answers the sender itself; a second confirmation would be noise.
        if (optOutId.isEmpty() || m.optOut().startsWith("provider:")) {
            return null;
        }
        String text = tenants.optOutConfirmationText(m.tenantId());
        OutboundMessage confirmation = OutboundMessage.optOutConfirmation(m.tenantId(), m.tenant(), m.channel(),
                m.channelId(), conversationId, m.from(), text == null ? defaultConfirmation : text);
        long id = messages.insertOutbound(conversationId, confirmation.toNew(), m.to(), now).orElseThrow();
        events.publish(m.tenantId(), conversationId, m.from(), new TenantEvent.Outbound(m.channel().wire(), m.from(),
                TenantEvent.OutboundMessage.queued(id, "text", OutboundMessage.KIND_OPTOUT_CONFIRMATION,
                        confirmation.text(), confirmation.actor(), List.of())));
        return id;
    }
}
