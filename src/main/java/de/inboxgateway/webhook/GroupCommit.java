package de.inboxgateway.webhook;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.SQLNonTransientConnectionException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.support.TransactionTemplate;

import de.inboxgateway.access.ConnectionScope;
import de.inboxgateway.access.TenantScope;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.normalize.InboundMessage;
import de.inboxgateway.normalize.StatusUpdate;

/**
 * Group commit for webhooks: the route step that runs {@code direct:inbound-pipeline} for a verified,
 * normalized webhook and returns only once what it stored has committed, so a 200 still means durable.
 *
 * <p>Webhooks that arrive while earlier ones are committing wait in one queue; each of a few workers
 * takes everything waiting (up to {@code max-batch}) and runs the pipeline for all of it in one
 * transaction, so the commit's fsync, the event-id lock of each tenant and the NOTIFY are shared.
 * The batch size follows the load by itself: a lone webhook finds an idle worker and waits for
 * nothing; under load, whatever queued during one commit goes into the next.
 *
 * <p>Each webhook keeps its own tenant scope: the transaction's connection is re-scoped whenever the
 * tenant changes (the batch is ordered by tenant, then phone, which also gives every batch the same
 * lock order). If anything in a batch fails, the batch rolls back and each of its webhooks runs again
 * in a transaction of its own, so a poisoned webhook fails alone and its batch-mates commit; when
 * the database itself is gone, all of them answer 503 at once.
 */
@Component("groupCommit")
public class GroupCommit {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);
    static final String PIPELINE = "direct:inbound-pipeline";

    /** By tenant, then by the first phone: one lock order for conversation and tenant rows in every batch. */
    private static final Comparator<Pending> ORDER =
            Comparator.comparing((Pending p) -> p.scope).thenComparing(p -> p.phone);

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final CamelContext camel;
    private final ProducerTemplate producer;
    private final TransactionTemplate transactions;
    private final ConnectionScope connectionScope;
    private final DistributionSummary batchSizes;
    private final int maxBatch;
    private final int workers;
    private volatile ExecutorService committers;

    public GroupCommit(CamelContext camel, ProducerTemplate producer, TransactionTemplate transactions,
                       ConnectionScope connectionScope, GatewayProperties properties, MeterRegistry meters) {
        this.camel = camel;
        this.producer = producer;
        this.transactions = transactions;
        this.connectionScope = connectionScope;
        this.maxBatch = Math.max(1, properties.getWebhooks().getGroupCommit().getMaxBatch());
        this.workers = Math.max(1, properties.getWebhooks().getGroupCommit().getWorkers());
        this.batchSizes = DistributionSummary.builder("gateway.webhooks.group.commit.batch")
                .description("webhooks committed in one transaction").register(meters);
        meters.gauge("gateway.webhooks.group.commit.waiting", queue, BlockingQueue::size);
    }

    /**
     * Route step: the exchange's body is the webhook's canonical items. Returns when they are
     * committed; throws what the pipeline failed with otherwise (mapped to 503 by the webhook route).
     */
    public void commit(Exchange exchange) throws Exception {
        Pending pending = new Pending(exchange);
        if (maxBatch == 1 || !running()) {
            alone(pending);
        } else {
            queue.add(pending);
        }
        pending.await();
    }

    private boolean running() {
        ExecutorService pool = committers;
        if (pool != null) {
            return !pool.isShutdown();
        }
        synchronized (this) {
            if (committers == null) {
                if (!camel.isStarted()) {
                    return false; // starting or stopping: run on the caller's thread, as without batching
                }
                // Camel's pool: shut down with the context, after in-flight webhooks have drained.
                ExecutorService started = camel.getExecutorServiceManager().newFixedThreadPool(this, "group-commit", workers);
                for (int i = 0; i < workers; i++) {
                    started.execute(this::work);
                }
                committers = started;
            }
            return !committers.isShutdown();
        }
    }

    private void work() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            queue.drainTo(batch, maxBatch - 1);
            try {
                run(batch);
            } catch (RuntimeException | Error e) {
                LOG.error("group commit of {} webhooks failed unexpectedly", batch.size(), e);
                batch.forEach(p -> p.done.completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void run(List<Pending> batch) {
        batchSizes.record(batch.size());
        if (batch.size() == 1) {
            alone(batch.get(0));
            return;
        }
        batch.sort(ORDER);
        try {
            transactions.executeWithoutResult(status -> {
                for (Pending p : batch) {
                    connectionScope.enter(p.scope);
                    Exchange attempt = p.attempt();
                    producer.send(PIPELINE, attempt);
                    if (attempt.getException() != null) {
                        throw new Poisoned(attempt.getException());
                    }
                }
            });
        } catch (RuntimeException e) {
            Throwable cause = e instanceof Poisoned ? e.getCause() : e;
            if (outage(cause)) {
                batch.forEach(p -> p.done.completeExceptionally(cause));
                return;
            }
            LOG.debug("a batch of {} webhooks rolled back ({}); each runs again on its own", batch.size(),
                    cause.toString());
            batch.forEach(this::alone);
            return;
        }
        batch.forEach(p -> p.done.complete(null));
    }

    /** The webhook in a transaction of its own (the pipeline's `transacted`), as without batching. */
    private void alone(Pending p) {
        Exchange attempt = p.attempt();
        TenantScope.as(attempt, () -> producer.send(PIPELINE, attempt));
        if (attempt.getException() != null) {
            p.done.completeExceptionally(attempt.getException());
        } else {
            p.done.complete(null);
        }
    }

    /** The database is unreachable: running each webhook again would only wait for it once more. */
    static boolean outage(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof CannotCreateTransactionException || c instanceof CannotGetJdbcConnectionException
                    || c instanceof SQLTransientConnectionException || c instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (c instanceof SQLException sql && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                return true;
            }
        }
        return false;
    }

    private static final class Poisoned extends RuntimeException {
        Poisoned(Throwable cause) {
            super(cause.getMessage(), cause, false, false);
        }
    }

    /** One webhook waiting for its commit. Every attempt runs on a fresh copy of the route's exchange. */
    private final class Pending {
        final Exchange exchange;
        final String scope;
        final String phone;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Pending(Exchange exchange) {
            this.exchange = exchange;
            String bound = exchange.getProperty(TenantScope.PROPERTY, String.class);
            this.scope = bound == null ? "" : bound;
            this.phone = firstPhone(exchange.getMessage().getBody(List.class));
        }

        Exchange attempt() {
            return exchange.copy();
        }

        void await() throws Exception {
            while (true) {
                try {
                    done.get(1, TimeUnit.SECONDS);
                    return;
                } catch (TimeoutException e) {
                    // The workers ended with the context while this waited in the queue: run it here.
                    ExecutorService pool = committers;
                    if (pool != null && pool.isTerminated() && queue.remove(this)) {
                        alone(this);
                    }
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof Exception cause ? cause : e;
                }
            }
        }
    }

    private static String firstPhone(List<?> items) {
        if (items != null && !items.isEmpty()) {
            if (items.get(0) instanceof InboundMessage m && m.from() != null) {
                return m.from();
            }
            if (items.get(0) instanceof StatusUpdate s && s.recipient() != null) {
                return s.recipient();
            }
        }
        return "";
    }
}
