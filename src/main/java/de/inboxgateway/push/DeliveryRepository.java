package de.inboxgateway.push;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.support.Text;

/**
 * All SQL on table {@code webhook_delivery}. The rows are made from the tenant event table (the
 * outbox): they name an event, never copy it.
 */
@Repository
public class DeliveryRepository {

    private static final String COLUMNS = """
            subscription_id, tenant_id, event_id, event_type, conversation_id, status, attempts, last_attempt_at,
            last_status_code, last_error, next_attempt_at, give_up_at, created_at""";
    private final NamedParameterJdbcTemplate jdbc;

    public DeliveryRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Deliveries, due at once, for the subscription's matching events after its cursor (at most
     * {@code limit} events read); returns the id of the last event read, or empty if there was none.
     * Events commit in id order per tenant, so nothing committed later can appear behind the cursor.
     */
    public Optional<Long> addAfterCursor(Subscription s, int limit, Instant now) {
        List<Long> last = jdbc.queryForList("""
                with batch as (
                    select e.id, e.type, e.conversation_id from tenant_event e
                    where e.tenant_id = :tenant and e.id > :cursor order by e.id limit :limit
                ), added as (
                    insert into webhook_delivery (subscription_id, tenant_id, event_id, event_type, conversation_id, status,
                                                  next_attempt_at, created_at)
                    select :subscription, :tenant, b.id, b.type, b.conversation_id, 'pending', :now, :now from batch b
                    where cast(:types as text[]) is null or b.type = any(cast(:types as text[]))
                    on conflict do nothing
                )
                select max(id) from batch""", new MapSqlParameterSource()
                .addValue("tenant", s.tenantId()).addValue("cursor", s.cursorEventId()).addValue("limit", limit)
                .addValue("subscription", s.id()).addValue("now", Timestamp.from(now))
                .addValue("types", s.types() == null ? null : s.types().toArray(String[]::new)), Long.class);
        return last.isEmpty() || last.get(0) == null ? Optional.empty() : Optional.of(last.get(0));
    }

    /**
     * Replay: the subscription's matching events after {@code afterEventId} up to its cursor are due
     * again (delivered and failed ones too, with a fresh give-up clock); returns how many.
     */
    public int requeueSince(Subscription s, long afterEventId, Instant now) {
        return jdbc.update("""
                insert into webhook_delivery (subscription_id, tenant_id, event_id, event_type, conversation_id, status,
                                              next_attempt_at, created_at)
                select :subscription, :tenant, e.id, e.type, e.conversation_id, 'pending', :now, :now from tenant_event e
                where e.tenant_id = :tenant and e.id > :after and e.id <= :cursor
                  and (cast(:types as text[]) is null or e.type = any(cast(:types as text[])))
                on conflict (subscription_id, event_id) do update
                  set status = 'pending', next_attempt_at = :now, give_up_at = null, delivered_at = null""",
                new MapSqlParameterSource()
                        .addValue("tenant", s.tenantId()).addValue("after", Math.max(afterEventId, s.startEventId()))
                        .addValue("cursor", s.cursorEventId()).addValue("subscription", s.id())
                        .addValue("now", Timestamp.from(now))
                        .addValue("types", s.types() == null ? null : s.types().toArray(String[]::new)));
    }

    /** One delivery due again (a failed one, by hand); empty if the subscription never had that event. */
    public Optional<Delivery> requeue(long tenantId, UUID subscriptionId, long eventId, Instant now) {
        return jdbc.query("""
                update webhook_delivery set status = 'pending', next_attempt_at = :now, give_up_at = null, delivered_at = null
                where tenant_id = :tenant and subscription_id = :subscription and event_id = :event
                returning""" + " " + COLUMNS, new MapSqlParameterSource()
                .addValue("tenant", tenantId).addValue("subscription", subscriptionId).addValue("event", eventId)
                .addValue("now", Timestamp.from(now)), this::map).stream().findFirst();
    }

    /** The delivery log, newest event first. */
    public List<Delivery> list(long tenantId, UUID subscriptionId, String status, Long beforeEventId, int limit) {
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId).addValue("subscription", subscriptionId)
                .addValue("limit", limit);
        StringBuilder sql = new StringBuilder("select " + COLUMNS
                + " from webhook_delivery where tenant_id = :tenant and subscription_id = :subscription");
        if (status != null) {
            sql.append(" and status = :status");
            p.addValue("status", status);
        }
        if (beforeEventId != null) {
            sql.append(" and event_id < :before");
            p.addValue("before", beforeEventId);
        }
        sql.append(" order by event_id desc limit :limit");
        return jdbc.query(sql.toString(), p, this::map);
    }

    /**
     * Takes up to {@code limit} due deliveries of active subscriptions under a lease, whatever their
     * tenant. Skipped: rows another instance holds, and any event whose conversation has an earlier
     * event still pending for the same subscription (it goes once that one is delivered or failed).
     */
    public List<Delivery> claimDue(String owner, Instant now, Instant leaseUntil, int limit) {
        return jdbc.query("""
                update webhook_delivery set lease_until = :leaseUntil, lease_owner = :owner, attempts = attempts + 1,
                                            last_attempt_at = :now
                where (subscription_id, event_id) in (
                    select d.subscription_id, d.event_id from webhook_delivery d
                    join webhook_subscription s on s.id = d.subscription_id and s.status = 'active'
                    where d.status = 'pending' and d.next_attempt_at <= :now
                      and (d.lease_until is null or d.lease_until < :now)
                      and (d.conversation_id is null or not exists (
                          select 1 from webhook_delivery e
                          where e.subscription_id = d.subscription_id and e.conversation_id = d.conversation_id
                            and e.status = 'pending' and e.event_id < d.event_id))
                    order by d.next_attempt_at, d.event_id limit :limit
                    for update of d skip locked)
                returning""" + " " + COLUMNS, new MapSqlParameterSource()
                .addValue("now", Timestamp.from(now)).addValue("leaseUntil", Timestamp.from(leaseUntil))
                .addValue("owner", owner).addValue("limit", limit), this::map);
    }

    /** Keeps the leases of deliveries still running on this instance (null: gives them up, e.g. at shutdown). */
    public void renewLeases(String owner, Collection<DeliveryKey> keys, Instant leaseUntil) {
        for (DeliveryKey key : keys) {
            jdbc.update("""
                    update webhook_delivery set lease_until = :until
                    where subscription_id = :subscription and event_id = :event and status = 'pending' and lease_owner = :owner
                      and (lease_until is not null or cast(:until as timestamptz) is null)""",
                    new MapSqlParameterSource("until", leaseUntil == null ? null : Timestamp.from(leaseUntil))
                            .addValue("subscription", key.subscriptionId()).addValue("event", key.eventId())
                            .addValue("owner", owner));
        }
    }

    public record DeliveryKey(UUID subscriptionId, long eventId) {
    }

    /** The receiver took it; false if this instance no longer holds it (taken over after its lease ran out). */
    public boolean markDelivered(Delivery d, String owner, Integer statusCode, Instant now) {
        return jdbc.update("""
                update webhook_delivery set status = 'delivered', delivered_at = :now, last_status_code = :code,
                                            last_error = null, lease_until = null, next_attempt_at = null
                where subscription_id = :subscription and event_id = :event and status = 'pending' and lease_owner = :owner""",
                key(d, owner).addValue("now", Timestamp.from(now)).addValue("code", statusCode)) == 1;
    }

    /** A failed attempt, tried again at {@code next}; the give-up clock starts with the first failure. */
    public boolean scheduleRetry(Delivery d, String owner, Integer statusCode, String error, Instant next, Instant giveUpAt) {
        return jdbc.update("""
                update webhook_delivery set next_attempt_at = :next, give_up_at = coalesce(give_up_at, :giveUp),
                                            last_status_code = :code, last_error = :error, lease_until = null
                where subscription_id = :subscription and event_id = :event and status = 'pending' and lease_owner = :owner""",
                key(d, owner).addValue("next", Timestamp.from(next)).addValue("giveUp", Timestamp.from(giveUpAt))
                        .addValue("code", statusCode).addValue("error", Text.truncate(error, 1000))) == 1;
    }

    /** The end without success: failed, the dead letter that stays listable and can be retried by hand. */
    public boolean markFailed(Delivery d, String owner, Integer statusCode, String error) {
        return jdbc.update("""
                update webhook_delivery set status = 'failed', last_status_code = :code, last_error = :error,
                                            lease_until = null, next_attempt_at = null
                where subscription_id = :subscription and event_id = :event and status = 'pending' and lease_owner = :owner""",
                key(d, owner).addValue("code", statusCode).addValue("error", Text.truncate(error, 1000))) == 1;
    }

    /** Taken, but its subscription stopped meanwhile: back to pending as it was, the attempt not counted. */
    public void giveBack(Delivery d, String owner) {
        jdbc.update("""
                update webhook_delivery set attempts = greatest(attempts - 1, 0), lease_until = null
                where subscription_id = :subscription and event_id = :event and status = 'pending' and lease_owner = :owner""",
                key(d, owner));
    }

    /** Time held by a pause (or a disabled subscription) does not count towards giving up. */
    public int extendGiveUp(long tenantId, UUID subscriptionId, java.time.Duration held) {
        return jdbc.update("""
                update webhook_delivery set give_up_at = give_up_at + make_interval(secs => :seconds)
                where tenant_id = :tenant and subscription_id = :subscription and status = 'pending' and give_up_at is not null""",
                new MapSqlParameterSource("tenant", tenantId).addValue("subscription", subscriptionId)
                        .addValue("seconds", held.toMillis() / 1000.0));
    }

    /** Retention: ended deliveries whose event is older than the cut-off go with it (system scope). */
    public int deleteEndedBefore(Instant cutoff) {
        return jdbc.update("delete from webhook_delivery where status <> 'pending' and created_at < :cutoff",
                Map.of("cutoff", Timestamp.from(cutoff)));
    }

    /** The metric: per subscription, when its oldest pending delivery was created (system scope). */
    public Map<UUID, Instant> oldestPending() {
        Map<UUID, Instant> oldest = new java.util.HashMap<>();
        jdbc.query("""
                select subscription_id, min(created_at) as oldest from webhook_delivery
                where status = 'pending' group by subscription_id""", Map.of(), rs -> {
            oldest.put(rs.getObject("subscription_id", UUID.class), rs.getTimestamp("oldest").toInstant());
        });
        return oldest;
    }

    private static MapSqlParameterSource key(Delivery d, String owner) {
        return new MapSqlParameterSource("subscription", d.subscriptionId()).addValue("event", d.eventId())
                .addValue("owner", owner);
    }

    private Delivery map(ResultSet rs, int row) throws SQLException {
        return new Delivery(rs.getObject("subscription_id", UUID.class), rs.getLong("tenant_id"), rs.getLong("event_id"),
                rs.getString("event_type"), (Long) rs.getObject("conversation_id"), rs.getString("status"),
                rs.getInt("attempts"), SubscriptionRepository.instant(rs, "last_attempt_at"),
                (Integer) rs.getObject("last_status_code"), rs.getString("last_error"),
                SubscriptionRepository.instant(rs, "next_attempt_at"), SubscriptionRepository.instant(rs, "give_up_at"),
                SubscriptionRepository.instant(rs, "created_at"));
    }
}
