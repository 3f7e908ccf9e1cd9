package de.inboxgateway.broadcast;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * All SQL on table {@code broadcast_pacing}: one slot clock per sending number, shared by every
 * instance through its row lock. Broadcast sends start at most one per {@code interval} per number,
 * evenly; a burst after a quiet spell is capped at what one tick may claim.
 */
@Repository
public class BroadcastPacing {

    private final NamedParameterJdbcTemplate jdbc;

    public BroadcastPacing(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Locks the number's clock until the transaction ends; returns when its next send may start. */
    public Instant lock(long tenantId, long channelId, Instant now) {
        jdbc.update("""
                insert into broadcast_pacing (channel_id, tenant_id, next_at) values (:channel, :tenant, :now)
                on conflict (channel_id) do nothing""", new MapSqlParameterSource("channel", channelId)
                .addValue("tenant", tenantId).addValue("now", Timestamp.from(now)));
        return jdbc.queryForObject("select next_at from broadcast_pacing where channel_id = :channel for update",
                Map.of("channel", channelId), Timestamp.class).toInstant();
    }

    /** Pure rule: how many sends are due at {@code now} (at most {@code cap}). */
    public static int due(Instant nextAt, Instant now, Duration interval, int cap) {
        if (nextAt.isAfter(now)) {
            return 0;
        }
        long behind = Duration.between(nextAt, now).toNanos() / Math.max(1, interval.toNanos());
        return (int) Math.min(cap, behind + 1);
    }

    /** Pure rule: the clock after {@code taken} sends; a clock far behind restarts from now (no catch-up burst). */
    public static Instant advance(Instant nextAt, Instant now, Duration interval, int taken) {
        Instant base = nextAt.isBefore(now.minus(interval)) ? now.minus(interval) : nextAt;
        return base.plus(interval.multipliedBy(taken));
    }

    public void set(long channelId, Instant nextAt) {
        jdbc.update("update broadcast_pacing set next_at = :next where channel_id = :channel",
                new MapSqlParameterSource("channel", channelId).addValue("next", Timestamp.from(nextAt)));
    }

    /** Meta asked the number to slow down: no broadcast send on it before {@code until}. */
    public void pauseUntil(long channelId, Instant until) {
        jdbc.update("update broadcast_pacing set next_at = greatest(next_at, :until) where channel_id = :channel",
                new MapSqlParameterSource("channel", channelId).addValue("until", Timestamp.from(until)));
    }
}
