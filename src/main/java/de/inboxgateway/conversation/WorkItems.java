package de.inboxgateway.conversation;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import de.inboxgateway.conversation.ConversationRepository.Locked;
import de.inboxgateway.conversation.ConversationRepository.WorkItem;
import de.inboxgateway.events.EventLog;
import de.inboxgateway.events.TenantEvent;
import de.inboxgateway.message.MessageRepository;
import de.inboxgateway.message.MessageRepository.ReceiptTarget;
import de.inboxgateway.support.Channel;

/**
 * Conversations as work items: status, the ERP's case, the assignee, and reading. Each change is
 * written under the conversation's row lock together with its event, so two screens changing one
 * conversation at once leave one consistent history on the feed.
 */
@Service
public class WorkItems {

    public static final String OPEN = "open";
    public static final String CLOSED = "closed";

    private final ConversationRepository conversations;
    private final MessageRepository messages;
    private final EventLog events;
    private final Clock clock;

    public WorkItems(ConversationRepository conversations, MessageRepository messages, EventLog events, Clock clock) {
        this.conversations = conversations;
        this.messages = messages;
        this.events = events;
        this.clock = clock;
    }

    /**
     * A PATCH: each field present in {@code patch} is set ({@code null} clears it). Empty if there is no
     * such conversation; otherwise the names of the fields that changed (none: no event).
     */
    @Transactional
    public Optional<List<String>> update(long tenantId, long id, Patch patch, String actor) {
        Optional<Locked> locked = conversations.lock(tenantId, id);
        if (locked.isEmpty()) {
            return Optional.empty();
        }
        WorkItem before = locked.get().item();
        WorkItem after = new WorkItem(patch.status() != null ? patch.status().value() : before.status(),
                patch.externalRef() != null ? patch.externalRef().value() : before.externalRef(),
                patch.assignee() != null ? patch.assignee().value() : before.assignee());
        List<String> changed = new ArrayList<>();
        if (!Objects.equals(before.status(), after.status())) {
            changed.add("status");
        }
        if (!Objects.equals(before.externalRef(), after.externalRef())) {
            changed.add("externalRef");
        }
        if (!Objects.equals(before.assignee(), after.assignee())) {
            changed.add("assignee");
        }
        if (!changed.isEmpty()) {
            conversations.updateWorkItem(tenantId, id, after);
            var row = conversations.find(tenantId, id).orElseThrow();
            events.publish(tenantId, id, row.phone(), new TenantEvent.ConversationUpdated(row.channel(), row.phone(),
                    after.status(), after.externalRef(), after.assignee(), List.copyOf(changed), actor));
        }
        return Optional.of(changed);
    }

    /** One field of a PATCH that is present: {@code value} may be null (clear it). */
    public record Field(String value) {
    }

    /** The fields of a PATCH; a null {@link Field} means the field was not in the request. */
    public record Patch(Field status, Field externalRef, Field assignee) {
    }

    /** A WhatsApp read receipt the read made due: for which message, through which channel's number. */
    public record ReceiptDue(long tenantId, long conversationId, long messageId, String providerMessageId,
                             String businessNumber) {
    }

    /**
     * Marks everything inbound as read, with its {@code conversation.read} event. On WhatsApp, returns
     * the receipt to send when the newest inbound message (by provider timestamp) has had none yet.
     * Empty outer optional: no such conversation.
     */
    @Transactional
    public Optional<Optional<ReceiptDue>> read(long tenantId, long id, String actor) {
        Optional<Locked> locked = conversations.lock(tenantId, id);
        if (locked.isEmpty()) {
            return Optional.empty();
        }
        var row = conversations.find(tenantId, id).orElseThrow();
        Optional<ReceiptTarget> newest = Channel.WHATSAPP.wire().equals(row.channel())
                ? messages.newestInbound(tenantId, id) : Optional.empty();
        ReceiptTarget due = newest.filter(n -> !Long.valueOf(n.id()).equals(locked.get().receiptMessageId()))
                .orElse(null);
        long readUpTo = conversations.markRead(tenantId, id, due == null ? null : due.id(), clock.instant());
        events.publish(tenantId, id, row.phone(), new TenantEvent.ConversationRead(row.channel(), row.phone(), readUpTo,
                0, actor));
        return Optional.of(Optional.ofNullable(due).map(n -> new ReceiptDue(tenantId, id, n.id(), n.providerMessageId(),
                n.recipient())));
    }

    /** How the provider answered a read receipt ({@code sent}, or {@code failed} with the reason). */
    public void receiptAnswered(ReceiptDue receipt, boolean sent, String error) {
        conversations.recordReceipt(receipt.tenantId(), receipt.conversationId(), receipt.messageId(),
                sent ? "sent" : "failed", error, clock.instant());
    }
}
