package de.inboxgateway.optout;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.stereotype.Component;

import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.support.Channel;
import de.inboxgateway.message.MessageRepository;

/**
 * The one confirmation after an opt-out. Threading queues it in the opt-out's own transaction and
 * hands its id to route {@code optout-confirmations} once that transaction committed; a sweeper picks
 * up any that a crash left unattempted. A queued confirmation is attempted exactly once (claimed in the
 * database), so it is never sent twice.
 */
@Component("optOutConfirmations")
public class OptOutConfirmations {

    /** A confirmation younger than this is still on its way from the webhook that queued it. */
    private static final Duration SWEEP_GRACE = Duration.ofMinutes(1);
    private final MessageRepository messages;
    private final Clock clock;

    public OptOutConfirmations(MessageRepository messages, Clock clock) {
        this.messages = messages;
        this.clock = clock;
    }

    /** The confirmation whose id threading handed over after its commit. */
    public List<OutboundMessage> queuedBy(Long id) {
        // Our own queue: loaded whatever its tenant, then bound to its own tenant when sent.
        return de.inboxgateway.access.TenantScope.asSystem(() -> load(List.of(id)));
    }

    /** Confirmations a crash left queued and unattempted for longer than a minute. */
    public List<OutboundMessage> pending() {
        return de.inboxgateway.access.TenantScope.asSystem(
                () -> load(messages.pendingConfirmations(clock.instant().minus(SWEEP_GRACE), 100)));
    }

    /** Only what nobody attempted yet: the nudge and the sweeper may both name one confirmation. */
    private List<OutboundMessage> load(List<Long> ids) {
        List<OutboundMessage> out = new ArrayList<>();
        for (long id : ids) {
            messages.findConfirmation(id).filter(row -> row.attemptedAt() == null).ifPresent(row -> out.add(OutboundMessage.queuedConfirmation(row.id(),
                    row.tenantId(), Channel.parse(row.channel()), row.channelId(), row.conversationId(), row.recipient(),
                    row.text())));
        }
        return out;
    }
}
