package de.inboxgateway.optout;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.support.Channel;
import de.inboxgateway.threading.MessageRepository;
import de.inboxgateway.threading.ThreadingService;

/**
 * The one confirmation after an opt-out. Threading queues it in the opt-out's own transaction; after
 * the webhook's commit the inbound route hands it to the outbound route, and a sweeper picks up any
 * that a crash left unattempted. A queued confirmation is attempted exactly once (claimed in the
 * database), so it is never sent twice.
 */
@Component("optOutConfirmations")
public class OptOutConfirmations implements AggregationStrategy {

    /** A confirmation younger than this is still on its way from the webhook that queued it. */
    private static final Duration SWEEP_GRACE = Duration.ofMinutes(1);
    private final MessageRepository messages;
    private final Clock clock;

    public OptOutConfirmations(MessageRepository messages, Clock clock) {
        this.messages = messages;
        this.clock = clock;
    }

    /** The inbound pipeline's split collects each item's result, so the route can see queued confirmations. */
    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Object result = newExchange.getMessage().getBody();
        if (oldExchange == null) {
            List<Object> results = new ArrayList<>();
            results.add(result);
            newExchange.getMessage().setBody(results);
            return newExchange;
        }
        oldExchange.getMessage().getBody(List.class).add(result);
        return oldExchange;
    }

    public boolean anyQueued(List<?> results) {
        return results != null && results.stream()
                .anyMatch(r -> r instanceof ThreadingService.Threaded t && t.confirmationId() != null);
    }

    public List<OutboundMessage> queuedBy(List<?> results) {
        // A tapped or scheduled exchange on a thread of its own: the confirmations are our own queue.
        de.inboxgateway.access.TenantScope.system();
        List<Long> ids = results.stream().filter(r -> r instanceof ThreadingService.Threaded t && t.confirmationId() != null)
                .map(r -> ((ThreadingService.Threaded) r).confirmationId()).toList();
        return load(ids);
    }

    /** Confirmations a crash left queued and unattempted for longer than a minute. */
    public List<OutboundMessage> pending() {
        de.inboxgateway.access.TenantScope.system();
        return load(messages.pendingConfirmations(clock.instant().minus(SWEEP_GRACE), 100));
    }

    private List<OutboundMessage> load(List<Long> ids) {
        List<OutboundMessage> out = new ArrayList<>();
        for (long id : ids) {
            messages.findConfirmation(id).ifPresent(row -> out.add(new OutboundMessage(row.id(), row.tenantId(), null,
                    Channel.parse(row.channel()), row.channelId(), row.conversationId(), row.recipient(), row.text(),
                    OutboundMessage.KIND_OPTOUT_CONFIRMATION, "system:optout-confirmation", null, null, null, null, null)));
        }
        return out;
    }
}
