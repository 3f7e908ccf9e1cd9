package de.inboxgateway.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.ApiException;

/**
 * Repeated signature failures from one source address for one claimed business number block that
 * pair for a while: 429 {@code SOURCE_BLOCKED} with Retry-After, audited once per block. Counting
 * per number, not per address alone, matters: Twilio and Meta call from shared addresses, so an
 * outsider pointing their own Twilio number at us, or one tenant's rotated token, must not block
 * the provider for every tenant. Kept in memory per instance and bounded in size.
 */
@Component("sourceBlocker")
public class SourceBlocker {

    private static final Logger LOG = LoggerFactory.getLogger(SourceBlocker.class);
    static final int MAX_TRACKED = 100_000;
    private final Clock clock;
    private final AuditLog audit;
    private final int maxFailures;
    private final Duration window;
    private final Duration blockFor;
    private final ClientAddress clientAddress;
    // Bounded (least recently used goes first), so a flood of new addresses or numbers costs no more
    // than MAX_TRACKED entries and never a full sweep on the request path.
    private final Map<String, Deque<Instant>> failures = lru();
    private final Map<String, Instant> blockedUntil = lru();

    private static <V> Map<String, V> lru() {
        return java.util.Collections.synchronizedMap(new java.util.LinkedHashMap<>(1024, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_TRACKED;
            }
        });
    }

    private final RejectedWebhooks rejected;

    public SourceBlocker(Clock clock, AuditLog audit, ClientAddress clientAddress, GatewayProperties properties,
                         RejectedWebhooks rejected) {
        this.rejected = rejected;
        this.clock = clock;
        this.audit = audit;
        GatewayProperties.Block block = properties.getWebhooks().getBlock();
        this.maxFailures = block.getMaxFailures();
        this.window = block.getWindow();
        this.blockFor = block.getDuration();
        this.clientAddress = clientAddress;
    }

    /** Called by the verifiers once they know the number a request claims: a blocked pair goes no further. */
    public void check(Exchange exchange, String claimedNumber) {
        String source = key(source(exchange), claimedNumber);
        Instant until = source == null ? null : blockedUntil.get(source);
        if (until != null) {
            Instant now = clock.instant();
            if (now.isBefore(until)) {
                long seconds = Math.max(1, Duration.between(now, until).toSeconds());
                throw new ApiException(429, "SOURCE_BLOCKED", "too many requests with invalid signatures from this "
                        + "address; retry in " + seconds + " s").withDetail("retryAfterSeconds", seconds);
            }
            blockedUntil.remove(source, until);
        }
    }

    /** Called when a webhook's signature failed. */
    public void failed(Exchange exchange) {
        SignatureInvalidException e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, SignatureInvalidException.class);
        String address = source(exchange);
        String source = key(address, e == null ? null : e.claimedNumber());
        if (source == null || maxFailures <= 0) {
            return;
        }
        Instant now = clock.instant();
        Deque<Instant> recent = failures.computeIfAbsent(source, s -> new ArrayDeque<>());
        int count;
        synchronized (recent) {
            recent.addLast(now);
            while (!recent.isEmpty() && recent.peekFirst().isBefore(now.minus(window))) {
                recent.removeFirst();
            }
            count = recent.size();
            if (count >= maxFailures) {
                recent.clear();
            }
        }
        if (count >= maxFailures && blockedUntil.put(source, now.plus(blockFor)) == null) {
            LOG.warn("webhooks: blocking {} for {} after {} invalid signatures", source, blockFor, count);
            try {
                audit.record(new AuditLog.Entry(null, "webhook.source-blocked", "gateway", null, null, address,
                        Map.of("failures", count, "window", window.toString(), "blockedFor", blockFor.toString(),
                                "claimedNumber", String.valueOf(e == null ? null : e.claimedNumber()))));
            } catch (RuntimeException storageDown) {
                LOG.error("could not audit the block of {}: {}", source, storageDown.getMessage());
            }
        }
    }

    private static String key(String address, String claimedNumber) {
        return address == null ? null : address + "|" + (claimedNumber == null ? "-" : claimedNumber);
    }

    private String source(Exchange exchange) {
        return clientAddress.of(exchange);
    }

    /** Sources with failures being counted now (bounded by MAX_TRACKED). */
    int tracked() {
        return failures.size();
    }

    /** Forgets expired blocks and old failures (route {@code source-blocks-purge}). */
    public void purge() {
        Instant now = clock.instant();
        synchronized (blockedUntil) {
            blockedUntil.entrySet().removeIf(e -> !now.isBefore(e.getValue()));
        }
        synchronized (failures) {
            failures.entrySet().removeIf(e -> {
                synchronized (e.getValue()) {
                    return e.getValue().isEmpty() || e.getValue().peekLast().isBefore(now.minus(window));
                }
            });
        }
    }

    /**
     * {@code DELETE /admin/v1/source-blocks}: the operator lifts every block and forgets every failure
     * on this instance (after a misconfigured secret had a provider blocked); audited. Answers how many
     * blocks were lifted.
     */
    public java.util.Map<String, Object> liftAll() {
        int lifted = blockedUntil.size();
        failures.clear();
        blockedUntil.clear();
        rejected.flushAll(); // the audit windows start over as well
        if (lifted > 0) { // nothing lifted, nothing to record
            de.inboxgateway.access.TenantScope.asSystem(() -> audit.record(new AuditLog.Entry(null, "admin.source-blocks-lifted",
                    "admin", null, null, null, java.util.Map.of("blocksLifted", lifted))));
        }
        return java.util.Map.of("blocksLifted", lifted);
    }
}
