package de.inboxgateway.media;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.events.EventLog;
import de.inboxgateway.events.TenantEvent;
import de.inboxgateway.support.AfterCommit;

/**
 * The inbound media download job (routes/media-downloads.camel.yaml). A pending media row is the
 * work item: {@link #claim} takes due rows under a lease (one instance each, renewed while the
 * download runs, free again after a crash), the channel's route fetches the bytes, {@link #store}
 * streams them into the store, and {@link #failed} decides between a later retry (with backoff,
 * until {@code gateway.media.give-up-after}) and the end. The HTTP client never retries by itself.
 */
@Component("mediaDownloads")
public class MediaDownloads {

    /** Exchange properties of one download. */
    public static final String JOB = "mediaJob";
    public static final String URL = "mediaUrl";
    public static final String EXPECTED_SHA = "mediaExpectedSha256";
    public static final String DECLARED_TYPE = "mediaDeclaredType";
    public static final String WAKE = "seda:media-download-wake";

    private static final Logger LOG = LoggerFactory.getLogger(MediaDownloads.class);
    private final MediaRepository media;
    private final MediaStore store;
    private final EventLog events;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final GatewayProperties.Media settings;
    private final ProducerTemplate producer;
    private final de.inboxgateway.support.WorkSlots slots;
    private final Set<UUID> inFlight = ConcurrentHashMap.newKeySet();
    /** This instance, as recorded on the rows it takes (ops see who holds or held a download). */
    private final String instance;

    public MediaDownloads(MediaRepository media, MediaStore store, EventLog events, TransactionTemplate transactions,
                          Clock clock, GatewayProperties properties, ProducerTemplate producer) {
        this.media = media;
        this.store = store;
        this.events = events;
        this.transactions = transactions;
        this.clock = clock;
        this.settings = properties.getMedia();
        this.producer = producer;
        this.slots = new de.inboxgateway.support.WorkSlots(settings.getDownloadConcurrency());
        this.instance = slots.owner();
    }

    /** After the commit that stored new pending media: look for work now rather than at the next tick. */
    public void wakeAfterCommit() {
        AfterCommit.run(() -> {
            try {
                producer.sendBody(WAKE, null);
            } catch (RuntimeException e) {
                // Only a nudge: the committed row is the work, and the poller finds it anyway.
                LOG.debug("media download wake-up not delivered: {}", e.getMessage());
            }
        });
    }

    /** Renews this instance's leases, then takes as many due downloads as it has free slots. */
    public List<MediaRow> claim() {
        return TenantScope.asSystem(() -> {
            Instant now = clock.instant();
            Instant leaseUntil = now.plus(settings.getLease());
            media.renewLeases(instance, Set.copyOf(inFlight), leaseUntil);
            int taking = slots.takeAll();
            if (taking == 0) {
                return List.of();
            }
            List<MediaRow> taken = List.of();
            try {
                taken = media.claimDue(instance, now, leaseUntil, taking);
                taken.forEach(row -> inFlight.add(row.id()));
                return taken;
            } finally {
                slots.giveBack(taking - taken.size());
            }
        });
    }

    /** First step of a download: the job's tenant scope and what the webhook told us. */
    public void begin(Exchange exchange) {
        MediaRow job = exchange.getMessage().getBody(MediaRow.class);
        exchange.setProperty(JOB, job); // first: whatever fails next, release() finds the job and frees its slot
        TenantScope.bind(exchange, job.tenantId());
        exchange.setProperty(URL, job.providerUrl());
        exchange.setProperty(EXPECTED_SHA, job.providerSha256());
        exchange.setProperty(DECLARED_TYPE, job.mimeType());
        LOG.debug("downloading media {} of tenant {} (attempt {})", job.id(), job.tenantId(), job.attempts());
    }

    /** The body is the provider's answer stream: into the store, checked, and the item is stored. */
    public void store(Exchange exchange) throws IOException {
        MediaRow job = exchange.getProperty(JOB, MediaRow.class);
        Long length = exchange.getMessage().getHeader("Content-Length", Long.class);
        InputStream body;
        try {
            body = exchange.getMessage().getMandatoryBody(InputStream.class);
        } catch (org.apache.camel.InvalidPayloadException e) {
            throw new MediaFetchException("the provider sent no body", true);
        }
        try {
            if (length != null && length > settings.getMaxBytes()) {
                throw new MediaTooLargeException(settings.getMaxBytes()); // refused before reading a byte
            }
            MediaIngest.Ingested in = MediaIngest.into(store, job.storageKey(), body, settings.getMaxBytes(), job.filename(),
                    type -> { });
            String expected = exchange.getProperty(EXPECTED_SHA, String.class);
            if (!MediaIngest.sameSha256(expected, in.sha256())) {
                if (media.holds(job.id(), instance)) { // never remove what another instance stored meanwhile
                    store.delete(job.storageKey());
                }
                throw new MediaFetchException("the downloaded bytes do not match the provider's sha256", true);
            }
            String declared = MediaTypes.normalize(exchange.getProperty(DECLARED_TYPE, String.class));
            String type = "application/octet-stream".equals(in.detectedType()) && declared != null ? declared : in.detectedType();
            String kind = "sticker".equals(job.kind()) ? "sticker" : MediaTypes.kind(type);
            boolean stored = Boolean.TRUE.equals(transactions.execute(status -> media.markStored(job.id(), instance,
                    in.size(), in.sha256(), type, kind, clock.instant()).map(row -> {
                        publish(row);
                        return true;
                    }).orElse(false)));
            if (!stored && media.find(job.tenantId(), job.id()).isEmpty()) {
                store.delete(job.storageKey()); // erased while it downloaded: the bytes must not outlive the row
            }
            body.close();
            exchange.getMessage().setBody(null);
        } catch (IOException | RuntimeException e) {
            ProviderAnswer.abort(body); // never close(): it would read the rest of the answer first
            throw e;
        }
    }

    /** A download failed: try again later, or end it (too large, refused for good, or out of time). */
    public void failed(Exchange exchange) {
        if (exchange.getProperty(JOB) == null && exchange.getMessage().getBody() instanceof MediaRow row) {
            exchange.setProperty(JOB, row); // failed before begin() took it: release() must still find it
        }
        MediaRow job = exchange.getProperty(JOB, MediaRow.class);
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ProviderAnswer.discard(exchange);
        if (job == null) {
            LOG.error("media download failed before it started", e);
            return;
        }
        Instant now = clock.instant();
        String reason = reason(e);
        if (cause(e, MediaTooLargeException.class) != null) {
            end(job, MediaRow.REJECTED, "MEDIA_TOO_LARGE", reason);
        } else if (cause(e, MediaFetchException.class) instanceof MediaFetchException f && !f.retryable()) {
            end(job, MediaRow.FAILED, "MEDIA_DOWNLOAD_FAILED", reason);
        } else if (!now.isBefore(job.createdAt().plus(settings.getGiveUpAfter()))) {
            end(job, MediaRow.FAILED, "MEDIA_DOWNLOAD_FAILED", "gave up after " + job.attempts() + " attempts in "
                    + settings.getGiveUpAfter() + "; the last: " + reason);
        } else {
            Instant next = now.plus(backoff(job.attempts()));
            LOG.info("media {} of tenant {}: attempt {} failed ({}), next at {}", job.id(), job.tenantId(), job.attempts(),
                    reason, next);
            transactions.executeWithoutResult(status -> media.scheduleRetry(job.id(), instance, next, reason));
        }
    }

    /** A stopping instance gives its downloads back at once instead of letting their leases run out. */
    @jakarta.annotation.PreDestroy
    void giveBackLeases() {
        try {
            TenantScope.asSystem(() -> media.renewLeases(instance, Set.copyOf(inFlight), null));
        } catch (RuntimeException e) {
            LOG.info("media downloads: leases not given back ({}); they run out by themselves", e.getMessage());
        }
    }

    public String instance() {
        return instance;
    }

    /** Last step, whatever happened: the slot is free again and the thread forgets the tenant. */
    public void release(Exchange exchange) {
        MediaRow job = exchange.getProperty(JOB, MediaRow.class);
        if (job == null) {
            job = exchange.getMessage().getBody(MediaRow.class);
        }
        if (job != null && inFlight.remove(job.id())) {
            slots.giveBack(1);
        }
    }

    /** 15 s, 30 s, 1 min, … up to the maximum, each ±20 % so that a burst does not come back as one. */
    Duration backoff(int attempts) {
        long base = settings.getFirstRetryDelay().toMillis() << Math.min(Math.max(attempts - 1, 0), 20);
        long capped = Math.min(base, settings.getMaxRetryDelay().toMillis());
        long jitter = (long) (capped * (ThreadLocalRandom.current().nextDouble(0.4) - 0.2));
        return Duration.ofMillis(Math.max(1000, capped + jitter));
    }

    private void end(MediaRow job, String status, String code, String message) {
        LOG.warn("media {} of tenant {} ended {}: {}", job.id(), job.tenantId(), status, message);
        Boolean ended = transactions.execute(tx -> media.markEnded(job.id(), instance, status, code, message).map(row -> {
            publish(row);
            return true;
        }).orElse(false));
        if (Boolean.TRUE.equals(ended)) { // only while this instance holds it: never another's stored file
            try {
                store.delete(job.storageKey()); // nothing half-written stays behind
            } catch (IOException e) {
                LOG.warn("media {}: could not remove a partial object: {}", job.id(), e.getMessage());
            }
        }
    }

    private void publish(MediaRow row) {
        media.owner(row.tenantId(), row.id()).ifPresent(owner -> events.publish(row.tenantId(), owner.conversationId(),
                owner.phone(), new TenantEvent.Media(owner.channel(), owner.phone(), row.messageId(), row.view())));
    }


    private static String reason(Throwable e) {
        Throwable specific = cause(e, MediaFetchException.class);
        if (specific == null) {
            specific = cause(e, MediaTooLargeException.class);
        }
        Throwable t = specific != null ? specific : e;
        if (t == null) {
            return "unknown error";
        }
        String message = t.getMessage();
        if (specific == null) {
            message = t.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        }
        return de.inboxgateway.support.Text.truncate(message, 500);
    }

    private static Throwable cause(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }
}
