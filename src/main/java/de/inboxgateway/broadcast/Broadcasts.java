package de.inboxgateway.broadcast;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.broadcast.BroadcastRecipientRepository.Claimed;
import de.inboxgateway.broadcast.BroadcastRepository.Broadcast;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.events.EventLog;
import de.inboxgateway.events.TenantEvent;
import de.inboxgateway.message.MessageRepository;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.outbound.OutboundStore;
import de.inboxgateway.outbound.SendOutcome;
import de.inboxgateway.outbound.TemplateSend;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.GatewayException;
import de.inboxgateway.support.Text;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.tenant.ChannelDirectory;

/**
 * The broadcast worker's steps ({@code routes/broadcasts.camel.yaml}). Each tick every instance takes
 * the sends that are due on each sending number (the number's pacing slot, locked in PostgreSQL, so
 * the rate holds across instances), each recipient once, and hands each to the ordinary outbound route
 * as its own message: every gate (the opt-out gate at this moment, so a STOP that arrived mid-broadcast
 * stops the rest for that phone), one attempt, no retry. The recipient's idempotency key makes a crash
 * mid-send safe: a claim that ran out is resolved from the message it queued, or is due again if it
 * queued none.
 */
@Component("broadcasts")
public class Broadcasts {

    private static final Logger LOG = LoggerFactory.getLogger(Broadcasts.class);
    /** Idempotency keys of broadcast sends; the API refuses keys with this prefix from callers. */
    public static final String KEY_PREFIX = "gateway:";
    /** Exchange property: the {@link Send} a route is working on. */
    public static final String SEND = "broadcastSend";

    private final BroadcastRepository broadcasts;
    private final BroadcastRecipientRepository recipients;
    private final BroadcastPacing pacing;
    private final de.inboxgateway.template.TemplateRepository templates;
    private final MessageRepository messages;
    private final OutboundStore store;
    private final ChannelDirectory channels;
    private final EventLog events;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final ObjectMapper mapper;
    private final GatewayProperties.Broadcast settings;
    private final String instance = de.inboxgateway.support.WorkSlots.newOwner();
    private volatile boolean maybeRunning = true;
    private volatile long nextRunningCheck;
    private volatile long nextSweep;
    /** Broadcasts whose recipients moved since their last progress event. */
    private final Set<Long> moved = ConcurrentHashMap.newKeySet();

    public Broadcasts(BroadcastRepository broadcasts, BroadcastRecipientRepository recipients, BroadcastPacing pacing,
                      MessageRepository messages, OutboundStore store, ChannelDirectory channels, EventLog events,
                      TransactionTemplate transactions, Clock clock, ObjectMapper mapper, GatewayProperties properties,
                      de.inboxgateway.template.TemplateRepository templates) {
        this.templates = templates;
        this.broadcasts = broadcasts;
        this.recipients = recipients;
        this.pacing = pacing;
        this.messages = messages;
        this.store = store;
        this.channels = channels;
        this.events = events;
        this.transactions = transactions;
        this.clock = clock;
        this.mapper = mapper;
        this.settings = properties.getBroadcast();
    }

    /** One recipient's send, as the worker route carries it. */
    public record Send(long recipientId, long tenantId, String tenant, long broadcastId, Channel channel, long channelId,
                       String phone, String body, JsonNode components, String templateName, String language,
                       String createdBy) {
    }

    /** This instance, as {@code claimed_by} names it. */
    public String instance() {
        return instance;
    }

    /** A broadcast was created here: look at once instead of at the next idle check. */
    public void wake() {
        maybeRunning = true;
    }

    /** Step 1 of a tick: the sends due now on every sending number with a running broadcast. */
    public List<Send> claim() {
        long nowMillis = clock.millis();
        if (!maybeRunning && nowMillis < nextRunningCheck) {
            return List.of();
        }
        return TenantScope.asSystem(() -> {
            recover();
            List<Broadcast> running = broadcasts.running();
            maybeRunning = !running.isEmpty();
            nextRunningCheck = nowMillis + settings.getIdleCheck().toMillis();
            if (nowMillis >= nextSweep) {
                // an instance that stopped right after a broadcast's last send left it running: end it here
                running.forEach(b -> moved.add(b.id()));
                nextSweep = nowMillis + settings.getIdleCheck().toMillis();
            }
            Map<Long, Broadcast> byId = new HashMap<>();
            running.forEach(b -> byId.put(b.id(), b));
            List<Send> sends = new ArrayList<>();
            for (long channelId : running.stream().map(Broadcast::channelId).distinct().toList()) {
                long tenantId = running.stream().filter(b -> b.channelId() == channelId).findFirst().orElseThrow().tenantId();
                List<Claimed> claimed = transactions.execute(tx -> claimOn(tenantId, channelId));
                for (Claimed c : claimed == null ? List.<Claimed>of() : claimed) {
                    // a broadcast started on this number since running() was read: read it now
                    Broadcast b = byId.computeIfAbsent(c.broadcastId(),
                            k -> broadcasts.find(c.tenantId(), k).orElseThrow());
                    sends.add(send(c, b));
                }
            }
            return sends;
        });
    }

    private List<Claimed> claimOn(long tenantId, long channelId) {
        Instant now = clock.instant();
        Duration interval = interval();
        Instant next = pacing.lock(tenantId, channelId, now);
        int cap = (int) Math.max(1, Math.ceil(settings.getTick().toNanos() / (double) interval.toNanos()));
        int due = BroadcastPacing.due(next, now, interval, cap);
        if (due == 0) {
            return List.of();
        }
        List<Claimed> claimed = recipients.claim(channelId, due, instance, now.plus(settings.getLease()));
        if (!claimed.isEmpty()) {
            pacing.set(channelId, BroadcastPacing.advance(next, now, interval, claimed.size()));
        }
        return claimed;
    }

    private Duration interval() {
        return Duration.ofNanos((long) (1_000_000_000L / Math.max(0.01, settings.getRatePerSecond())));
    }

    private Send send(Claimed c, Broadcast b) {
        ChannelConfig channel = channels.byId(b.channelId()).orElse(null);
        JsonNode components = null;
        try {
            components = c.components() == null ? null : mapper.readTree(c.components());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        return new Send(c.id(), c.tenantId(), channel == null ? null : channel.tenantSlug(), b.id(),
                Channel.parse(b.channel()), b.channelId(), c.phone(), c.body(), components,
                b.template() == null ? null : b.template().path("name").asText(),
                b.template() == null ? null : b.template().path("language").asText(), b.createdBy());
    }

    /** Step 2, per send: the recipient's own outbound message, which every gate of the outbound route checks. */
    public OutboundMessage outbound(Exchange exchange) {
        Send s = exchange.getMessage().getBody(Send.class);
        exchange.setProperty(SEND, s);
        if (s.templateName() != null) {
            // paused or disabled by Meta since the broadcast started: the rest would only be refused there
            String status = templates.status(s.tenantId(), s.templateName(), s.language()).orElse("DELETED");
            if (!de.inboxgateway.template.Template.APPROVED.equals(status)) {
                throw new GatewayException.Refused("TEMPLATE_NOT_APPROVED", "the template " + s.templateName()
                        + " is " + status + " now");
            }
        }
        String key = KEY_PREFIX + "broadcast:" + s.broadcastId() + ":" + s.recipientId();
        TemplateSend template = s.templateName() == null ? null
                : new TemplateSend(s.templateName(), s.language(), s.components(), s.body());
        return OutboundMessage.request(s.tenantId(), s.tenant(), s.channel(), s.channelId(), s.phone(), s.body(), null,
                template, s.createdBy(), key, de.inboxgateway.support.RequestHash.of(key));
    }

    /** Step 3: what the outbound route did (sent or failed at the provider). */
    public void answered(Exchange exchange) {
        Send s = exchange.getProperty(SEND, Send.class);
        Object body = exchange.getMessage().getBody();
        SendOutcome outcome = body instanceof SendOutcome o ? o
                : body instanceof OutboundMessage m && m.isReplay() ? store.outcome(s.tenantId(), m.replayOf(), true)
                : body instanceof OutboundMessage m && m.id() != null ? store.outcome(s.tenantId(), m.id(), false) : null;
        if (outcome == null) {
            finish(s, "failed", null, "OUTCOME_UNKNOWN: no result from the outbound route");
            return;
        }
        boolean sent = !"failed".equals(outcome.status());
        finish(s, sent ? "sent" : "failed", outcome.messageId(), sent ? null
                : outcome.errorCode() + (outcome.errorReason() == null ? "" : " (" + outcome.errorReason() + ")")
                + (outcome.errorMessage() == null ? "" : ": " + Text.truncate(outcome.errorMessage(), 300)));
        if ("RATE_LIMITED".equals(outcome.errorReason())) {
            // Meta asks the number to slow down: this recipient has failed (no retry), the rest waits
            transactions.executeWithoutResult(tx -> pacing.pauseUntil(s.channelId(),
                    clock.instant().plus(settings.getRateLimitPause())));
            LOG.warn("broadcast {}: the provider rate-limited number {}; its broadcasts pause for {}", s.broadcastId(),
                    s.channelId(), settings.getRateLimitPause());
        }
    }

    /** Step 3, when a gate refused: an active opt-out (audited by the gate) or anything else that stopped it. */
    public void refused(Exchange exchange) {
        Send s = exchange.getProperty(SEND, Send.class);
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String code = e instanceof GatewayException g ? g.code() : null;
        if ("OPTOUT_ACTIVE".equals(code)) {
            finish(s, "blocked_optout", null, "OPTOUT_ACTIVE");
        } else {
            finish(s, "failed", null, (code == null ? "INTERNAL_ERROR" : code) + ": "
                    + Text.truncate(e == null ? "" : e.getMessage(), 300));
        }
    }

    private void finish(Send s, String outcome, Long messageId, String error) {
        TenantScope.asSystem(() -> recipients.finish(s.recipientId(), outcome, messageId, error, clock.instant()));
        moved.add(s.broadcastId());
    }

    /**
     * Claims that ran out: their instance stopped between claim and outcome. If the send queued its
     * message, the message decides (never sent twice); if not, nothing went out and it is due again.
     */
    void recover() {
        Instant now = clock.instant();
        transactions.executeWithoutResult(tx -> {
            for (BroadcastRecipientRepository.Stale stale : recipients.staleClaims(now, 100)) {
                Optional<Long> message = messages.findByIdempotencyKey(stale.tenantId(),
                        KEY_PREFIX + "broadcast:" + stale.broadcastId() + ":" + stale.id()).map(MessageRepository.Idempotent::id);
                if (message.isEmpty()) {
                    recipients.release(stale.id());
                    continue;
                }
                String status = messages.findOutbound(stale.tenantId(), message.get())
                        .map(MessageRepository.OutboundRow::status).orElse("failed");
                boolean failed = "failed".equals(status) || "queued".equals(status);
                recipients.finish(stale.id(), failed ? "failed" : "sent", message.get(), !failed ? null
                        : "queued".equals(status) ? "OUTCOME_UNKNOWN: the instance stopped during this send; not sent again"
                        : "failed", now);
                moved.add(stale.broadcastId());
            }
        });
    }

    /**
     * Last step of a tick: a broadcast with nothing left ends ({@code broadcast.completed}); one that
     * moved gets a {@code broadcast.progress} at most about once a second (across instances).
     */
    public void progress() {
        if (moved.isEmpty()) {
            return;
        }
        TenantScope.asSystem(() -> {
            for (Long id : List.copyOf(moved)) {
                moved.remove(id);
                transactions.executeWithoutResult(tx -> {
                    Instant now = clock.instant();
                    Broadcast b = broadcasts.running().stream().filter(x -> x.id() == id).findFirst().orElse(null);
                    if (b == null) {
                        return;
                    }
                    Map<String, Long> counts = recipients.counts(id);
                    if (counts.get("pending") == 0) {
                        if (broadcasts.end(id, "completed", now)) {
                            events.publish(b.tenantId(), null, null, new TenantEvent.BroadcastCompleted(id, b.name(),
                                    "completed", counts));
                        }
                    } else if (broadcasts.takeProgressTurn(id, now, now.minusSeconds(1))) {
                        events.publish(b.tenantId(), null, null, new TenantEvent.BroadcastProgress(id, b.name(),
                                "running", counts));
                    } else {
                        moved.add(id); // the next tick tells it
                    }
                });
            }
        });
    }

    /** A broadcast as the API asked for it, every recipient already checked. */
    public record NewBroadcast(long tenantId, String name, Channel channel, long channelId, Map<String, String> template,
                               String text, List<BroadcastRecipientRepository.NewRecipient> recipients, String createdBy,
                               String idempotencyKey, byte[] requestHash) {
    }

    /**
     * Stores the broadcast and all its recipients in one transaction: from the commit on, every
     * recipient is a work item that survives a restart. One without a single sendable recipient ends at once.
     */
    public long create(NewBroadcast n) {
        Long id = transactions.execute(tx -> {
            Instant now = clock.instant();
            long created = broadcasts.insert(n.tenantId(), n.name(), n.channel().wire(), n.channelId(), n.template(),
                    n.text(), n.recipients().size(), n.createdBy(), n.idempotencyKey(), n.requestHash(), now);
            recipients.insertAll(n.tenantId(), created, n.recipients(), now);
            if (n.recipients().stream().noneMatch(r -> "pending".equals(r.outcome()))) {
                broadcasts.end(created, "completed", now);
                events.publish(n.tenantId(), null, null, new TenantEvent.BroadcastCompleted(created, n.name(), "completed",
                        recipients.counts(created)));
            }
            return created;
        });
        wake();
        return id;
    }

    /** {@code POST …/cancel}: nobody not yet claimed gets it; a send in flight finishes. */
    public Optional<Map<String, Long>> cancel(long tenantId, long id) {
        return Optional.ofNullable(transactions.execute(tx -> {
            Broadcast b = broadcasts.find(tenantId, id).orElse(null);
            if (b == null) {
                return null;
            }
            if (broadcasts.end(id, "cancelled", clock.instant())) {
                recipients.cancelPending(id, clock.instant());
                Map<String, Long> counts = recipients.counts(id);
                events.publish(tenantId, null, null, new TenantEvent.BroadcastCompleted(id, b.name(), "cancelled",
                        counts));
            }
            return recipients.counts(id);
        }));
    }
}
