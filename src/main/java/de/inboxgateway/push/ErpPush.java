package de.inboxgateway.push;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.events.EventFrames;
import de.inboxgateway.events.EventLog;
import de.inboxgateway.support.Text;
import de.inboxgateway.tenant.TenantRepository;

/**
 * The ERP push job (routes/erp-push.camel.yaml). The tenant event table is the outbox: each poll
 * first turns the events after every active subscription's cursor into delivery rows, then takes
 * due deliveries under a lease (one instance each; renewed while the attempt runs, free again after
 * a crash). {@link #begin} renders the event as its feed frame and signs it, the route POSTs it, and
 * {@link #outcome} or {@link #failed} decides: delivered, retried later with backoff, or failed
 * (given up, or a 410 that also disables the subscription). No HTTP call retries by itself.
 */
@Component("erpPush")
public class ErpPush {

    /** Exchange properties of one attempt. */
    public static final String DELIVERY = "pushDelivery";
    public static final String TARGET_URL = "pushTargetUrl";
    public static final String HEADERS = "pushHeaders";
    public static final String SKIP = "pushSkip";
    public static final String WAKE = "seda:erp-push-wake";

    private static final Logger LOG = LoggerFactory.getLogger(ErpPush.class);
    private static final int FAN_OUT_SUBSCRIPTIONS = 50;
    private static final int FAN_OUT_EVENTS = 500;

    private final SubscriptionRepository subscriptions;
    private final DeliveryRepository deliveries;
    private final EventLog events;
    private final EventFrames frames;
    private final TenantRepository tenants;
    private final AuditLog audit;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final GatewayProperties.Push settings;
    private final Duration eventRetention;
    private final MeterRegistry meters;
    private final MultiGauge oldestPending;
    private final de.inboxgateway.support.WorkSlots slots;
    private final Set<DeliveryRepository.DeliveryKey> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean databaseDown;
    /** This instance, as recorded on the rows it takes (ops see who holds or held a delivery). */
    private final String instance;

    public ErpPush(SubscriptionRepository subscriptions, DeliveryRepository deliveries, EventLog events,
                   EventFrames frames, TenantRepository tenants, AuditLog audit, TransactionTemplate transactions,
                   Clock clock, GatewayProperties properties, MeterRegistry meters) {
        this.subscriptions = subscriptions;
        this.deliveries = deliveries;
        this.events = events;
        this.frames = frames;
        this.tenants = tenants;
        this.audit = audit;
        this.transactions = transactions;
        this.clock = clock;
        this.settings = properties.getPush();
        this.eventRetention = properties.getEvents().getRetention();
        this.meters = meters;
        this.slots = new de.inboxgateway.support.WorkSlots(settings.getConcurrency());
        this.instance = slots.owner();
        this.oldestPending = MultiGauge.builder("gateway.push.oldest.pending.age")
                .description("Age of the oldest pending delivery per subscription").baseUnit("seconds").register(meters);
    }

    /**
     * One poll: new deliveries from the event table, then this instance's leases renewed and as
     * many due deliveries taken as it has free slots. A database outage fails the poll quietly;
     * the next one tries again.
     */
    public List<Delivery> claim() {
        try {
            List<Delivery> taken = TenantScope.asSystem(() -> {
                fanOut();
                Instant now = clock.instant();
                Instant leaseUntil = now.plus(settings.getLease());
                deliveries.renewLeases(instance, Set.copyOf(inFlight), leaseUntil);
                int taking = slots.takeAll();
                if (taking == 0) {
                    return List.<Delivery>of();
                }
                List<Delivery> claimed = List.of();
                try {
                    claimed = deliveries.claimDue(instance, now, leaseUntil, taking);
                    claimed.forEach(d -> inFlight.add(key(d)));
                    return claimed;
                } finally {
                    slots.giveBack(taking - claimed.size());
                }
            });
            if (databaseDown) {
                databaseDown = false;
                LOG.info("erp push: database reachable again");
            }
            return taken;
        } catch (DataAccessException | TransactionException e) {
            if (!databaseDown) {
                databaseDown = true;
                LOG.warn("erp push: poll failed ({}); deliveries wait in the database and go on once it answers",
                        e.getMostSpecificCause() == null ? e.getMessage() : e.getMostSpecificCause().getMessage());
            }
            return List.of();
        }
    }

    /** Every active subscription that is behind the event table gets the deliveries of the events after its cursor. */
    private void fanOut() {
        transactions.executeWithoutResult(tx -> {
            Instant now = clock.instant();
            for (Subscription s : subscriptions.lockBehind(FAN_OUT_SUBSCRIPTIONS)) {
                deliveries.addAfterCursor(s, FAN_OUT_EVENTS, now).ifPresent(last -> subscriptions.advanceCursor(s.id(), last));
            }
        });
    }

    /** The metric of the oldest pending delivery per subscription (route erp-push-metrics). */
    public void measure() {
        try {
            Instant now = clock.instant();
            Map<UUID, Instant> oldest = TenantScope.asSystem(deliveries::oldestPending);
            oldestPending.register(oldest.entrySet().stream().map(e -> MultiGauge.Row.of(
                    Tags.of("subscription", e.getKey().toString()),
                    Math.max(0, Duration.between(e.getValue(), now).toSeconds()))).toList(), true);
        } catch (DataAccessException | TransactionException e) {
            LOG.debug("erp push: metrics not refreshed: {}", e.getMessage());
        }
    }

    /**
     * Route erp-push-retention: the log of ended deliveries is kept as long as their events
     * ({@code gateway.events.retention}); a replay can bring back only what is still there anyway.
     */
    public void purge() {
        try {
            int deleted = TenantScope.asSystem(() -> deliveries.deleteEndedBefore(clock.instant().minus(eventRetention)));
            if (deleted > 0) {
                LOG.info("erp push: {} ended deliveries older than {} deleted", deleted, eventRetention);
            }
        } catch (DataAccessException | TransactionException e) {
            LOG.warn("erp push: retention run failed: {}", e.getMessage());
        }
    }

    /** First step of an attempt: the tenant's scope, the subscription, the event as its feed frame, signed. */
    public void begin(Exchange exchange) {
        Delivery d = exchange.getMessage().getBody(Delivery.class);
        exchange.setProperty(DELIVERY, d); // first: whatever fails next, release() finds it and frees its slot
        TenantScope.bind(exchange, d.tenantId());
        Subscription s = subscriptions.find(d.tenantId(), d.subscriptionId()).orElse(null);
        if (s == null || !Subscription.ACTIVE.equals(s.status())) {
            deliveries.giveBack(d, instance); // paused, disabled or deleted since it was taken
            exchange.setProperty(SKIP, true);
            return;
        }
        EventLog.StoredEvent event = events.find(d.tenantId(), d.eventId()).orElse(null);
        if (event == null) {
            exchange.setProperty(SKIP, true);
            end(d, null, "event " + d.eventId() + " is no longer retained (gateway.events.retention)", "expired");
            return;
        }
        String slug = tenants.slug(d.tenantId());
        String body = frames.render(slug, event);
        String webhookId = WebhookSigner.webhookId(slug, d.eventId());
        long timestamp = clock.instant().getEpochSecond();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("webhook-id", webhookId);
        headers.put("webhook-timestamp", Long.toString(timestamp));
        headers.put("webhook-signature", WebhookSigner.sign(subscriptions.secret(s), webhookId, timestamp, body));
        exchange.setProperty(TARGET_URL, s.url());
        exchange.setProperty(HEADERS, headers);
        exchange.getMessage().setHeaders(new java.util.HashMap<>(headers));
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        exchange.getMessage().setBody(body);
        meters.counter("gateway.push.attempts").increment();
        LOG.debug("erp push: event {} of tenant {} to subscription {} (attempt {})", d.eventId(), d.tenantId(),
                d.subscriptionId(), d.attempts());
    }

    /**
     * The receiver answered (or, when ops pointed the step at a broker, the send returned without an
     * HTTP status: taken). 2xx: delivered; 410: failed and the subscription disabled; else retried.
     */
    public void outcome(Exchange exchange) {
        Delivery d = exchange.getProperty(DELIVERY, Delivery.class);
        Integer code = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        Instant now = clock.instant();
        if (code == null || (code >= 200 && code < 300)) {
            if (deliveries.markDelivered(d, instance, code, now)) {
                count("delivered");
            }
            return;
        }
        String answer = Text.truncate(Text.clean(exchange.getMessage().getBody(String.class)), 300);
        String error = "HTTP " + code + (code >= 300 && code < 400 ? " (redirects are not followed)" : "")
                + (answer == null || answer.isBlank() ? "" : ": " + answer);
        if (code == 410) {
            gone(d, error);
            return;
        }
        Duration wait = null;
        if (code == 429 || code == 503) {
            wait = PushSender.retryAfter(exchange.getMessage().getHeader("Retry-After", String.class), now);
        }
        retryOrEnd(d, code, error, wait);
    }

    /** The attempt failed without an answer: connection refused, timeout, a refused target (SSRF). */
    public void failed(Exchange exchange) {
        Delivery d = exchange.getProperty(DELIVERY, Delivery.class);
        if (d == null && exchange.getMessage().getBody() instanceof Delivery body) {
            d = body;
            exchange.setProperty(DELIVERY, d);
        }
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (d == null) {
            LOG.error("erp push: an attempt failed before it started", e);
            return;
        }
        retryOrEnd(d, null, reason(e), null);
    }

    private void retryOrEnd(Delivery d, Integer code, String error, Duration retryAfter) {
        Instant now = clock.instant();
        if (d.giveUpAt() != null && !now.isBefore(d.giveUpAt())) {
            end(d, code, "gave up after " + d.attempts() + " attempts in " + settings.getGiveUpAfter() + "; the last: "
                    + error, "gave-up");
            return;
        }
        Duration wait = backoff(d.attempts());
        if (retryAfter != null) {
            wait = retryAfter.compareTo(settings.getGiveUpAfter()) > 0 ? settings.getGiveUpAfter()
                    : (retryAfter.compareTo(wait) > 0 ? retryAfter : wait);
        }
        Instant next = now.plus(wait);
        LOG.info("erp push: event {} of tenant {} to subscription {}: attempt {} failed ({}), next at {}", d.eventId(),
                d.tenantId(), d.subscriptionId(), d.attempts(), Text.forLog(error, 200), next);
        if (deliveries.scheduleRetry(d, instance, code, error, next, now.plus(settings.getGiveUpAfter()))) {
            count("retried");
        }
    }

    /** 410 Gone: this delivery fails and the subscription stops until a PATCH makes it active again. */
    private void gone(Delivery d, String error) {
        transactions.executeWithoutResult(tx -> {
            // the subscription row first, as replay and resume lock them: one lock order, no deadlock
            boolean disabled = subscriptions.disable(d.tenantId(), d.subscriptionId(), clock.instant());
            if (deliveries.markFailed(d, instance, 410, error)) {
                count("failed");
                auditFailed(d, 410, error, "gone");
            }
            if (disabled) {
                Map<String, Object> detail = new LinkedHashMap<>();
                detail.put("subscriptionId", d.subscriptionId().toString());
                detail.put("eventId", d.eventId());
                detail.put("reason", "the receiver answered 410 Gone");
                audit.record(new AuditLog.Entry(d.tenantId(), "webhook.subscription.disabled", "erp-push", null, null,
                        null, detail));
                LOG.warn("erp push: subscription {} of tenant {} disabled: the receiver answered 410", d.subscriptionId(),
                        d.tenantId());
            }
        });
    }

    private void end(Delivery d, Integer code, String error, String reason) {
        LOG.warn("erp push: event {} of tenant {} to subscription {} failed: {}", d.eventId(), d.tenantId(),
                d.subscriptionId(), Text.forLog(error, 300));
        transactions.executeWithoutResult(tx -> {
            if (deliveries.markFailed(d, instance, code, error)) {
                count("failed");
                auditFailed(d, code, error, reason);
            }
        });
    }

    private void auditFailed(Delivery d, Integer code, String error, String reason) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("subscriptionId", d.subscriptionId().toString());
        detail.put("eventId", d.eventId());
        detail.put("eventType", d.eventType());
        detail.put("attempts", d.attempts());
        detail.put("lastStatusCode", code);
        detail.put("lastError", Text.truncate(error, 500));
        detail.put("reason", reason);
        audit.record(new AuditLog.Entry(d.tenantId(), "webhook.delivery.failed", "erp-push", null, null, null, detail));
    }

    /** Last step, whatever happened: the slot is free again. */
    public void release(Exchange exchange) {
        Delivery d = exchange.getProperty(DELIVERY, Delivery.class);
        if (d == null && exchange.getMessage().getBody() instanceof Delivery body) {
            d = body;
        }
        if (d != null && inFlight.remove(key(d))) {
            slots.giveBack(1);
        }
    }

    /** A stopping instance gives its deliveries back at once instead of letting their leases run out. */
    @jakarta.annotation.PreDestroy
    void giveBackLeases() {
        try {
            TenantScope.asSystem(() -> deliveries.renewLeases(instance, Set.copyOf(inFlight), null));
        } catch (RuntimeException e) {
            LOG.info("erp push: leases not given back ({}); they run out by themselves", e.getMessage());
        }
    }

    public String instance() {
        return instance;
    }

    /** 5 s, 10 s, 20 s, … doubling up to the maximum (4 h), each ±20 %: seconds, then minutes, then hours. */
    Duration backoff(int attempts) {
        long first = settings.getFirstRetryDelay().toMillis();
        long base = first << Math.min(Math.max(attempts - 1, 0), 30);
        long capped = Math.min(base < 0 ? Long.MAX_VALUE : base, settings.getMaxRetryDelay().toMillis());
        long jitter = (long) (capped * (ThreadLocalRandom.current().nextDouble(0.4) - 0.2));
        return Duration.ofMillis(Math.max(first / 2, capped + jitter));
    }

    private void count(String outcome) {
        meters.counter("gateway.push.deliveries", "outcome", outcome).increment();
    }

    private static DeliveryRepository.DeliveryKey key(Delivery d) {
        return new DeliveryRepository.DeliveryKey(d.subscriptionId(), d.eventId());
    }

    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof PushTargets.RefusedTargetException) {
                return Text.truncate(t.getMessage(), 500);
            }
        }
        if (e == null) {
            return "unknown error";
        }
        String message = e.getMessage();
        return Text.truncate(e.getClass().getSimpleName() + (message == null ? "" : ": " + message), 500);
    }
}
