package de.inboxgateway.broadcast;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

/** All SQL on table {@code broadcast_recipient}: the work items of broadcasts. */
@Repository
public class BroadcastRecipientRepository {

    public static final List<String> OUTCOMES = List.of("sent", "failed", "blocked_optout", "invalid_phone", "pending",
            "cancelled");
    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public BroadcastRecipientRepository(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    /** One recipient as the broadcast's request named it, already checked. */
    public record NewRecipient(String phone, String outcome, JsonNode components, String body, String error) {
    }

    public void insertAll(long tenantId, long broadcastId, List<NewRecipient> recipients, Instant now) {
        MapSqlParameterSource[] rows = new MapSqlParameterSource[recipients.size()];
        for (int i = 0; i < rows.length; i++) {
            NewRecipient r = recipients.get(i);
            rows[i] = new MapSqlParameterSource().addValue("tenant", tenantId).addValue("broadcast", broadcastId)
                    .addValue("position", i).addValue("phone", r.phone()).addValue("outcome", r.outcome())
                    .addValue("components", r.components() == null ? null : json(r.components()))
                    .addValue("body", r.body()).addValue("error", r.error())
                    .addValue("finished", "pending".equals(r.outcome()) ? null : Timestamp.from(now));
        }
        jdbc.batchUpdate("""
                insert into broadcast_recipient (tenant_id, broadcast_id, position, phone, outcome, components, body, error,
                                                 finished_at)
                values (:tenant, :broadcast, :position, :phone, :outcome, cast(:components as jsonb), :body, :error,
                        :finished)""", rows);
    }

    /** A claimed recipient with what its send needs. */
    public record Claimed(long id, long tenantId, long broadcastId, String phone, String components, String body) {
    }

    /**
     * Takes up to {@code limit} pending recipients of the running broadcasts of one sending number, oldest
     * broadcast first, each for this instance until {@code until}. SKIP LOCKED: two instances never take one.
     */
    public List<Claimed> claim(long channelId, int limit, String instance, Instant until) {
        return jdbc.query("""
                update broadcast_recipient r set outcome = 'sending', claimed_by = :instance, claimed_until = :until
                where r.id in (select p.id from broadcast_recipient p join broadcast b on b.id = p.broadcast_id
                               where b.channel_id = :channel and b.status = 'running' and p.outcome = 'pending'
                               order by p.broadcast_id, p.id limit :limit for update of p skip locked)
                returning r.id, r.tenant_id, r.broadcast_id, r.phone, r.components::text as components, r.body""",
                new MapSqlParameterSource("channel", channelId).addValue("limit", limit).addValue("instance", instance)
                        .addValue("until", Timestamp.from(until)),
                (rs, row) -> new Claimed(rs.getLong("id"), rs.getLong("tenant_id"), rs.getLong("broadcast_id"),
                        rs.getString("phone"), rs.getString("components"), rs.getString("body")));
    }

    /** The end of one claimed recipient; false if it was no longer in flight (resolved elsewhere). */
    public boolean finish(long id, String outcome, Long messageId, String error, Instant now) {
        return jdbc.update("""
                update broadcast_recipient set outcome = :outcome, message_id = :message, error = :error,
                                               finished_at = :now, claimed_until = null
                where id = :id and outcome = 'sending'""", new MapSqlParameterSource("id", id)
                .addValue("outcome", outcome).addValue("message", messageId).addValue("error", error)
                .addValue("now", Timestamp.from(now))) == 1;
    }

    /** Recipients whose claim ran out (their instance stopped mid-send), every tenant's. */
    public record Stale(long id, long tenantId, long broadcastId) {
    }

    public List<Stale> staleClaims(Instant now, int limit) {
        return jdbc.query("""
                select id, tenant_id, broadcast_id from broadcast_recipient
                where outcome = 'sending' and claimed_until < :now order by id limit :limit for update skip locked""",
                new MapSqlParameterSource("now", Timestamp.from(now)).addValue("limit", limit),
                (rs, row) -> new Stale(rs.getLong("id"), rs.getLong("tenant_id"), rs.getLong("broadcast_id")));
    }

    /**
     * A stale claim whose message was never queued: nobody got anything, so it is due again — or, if
     * the broadcast was cancelled meanwhile, cancelled like every other recipient not yet sent.
     */
    public void release(long id) {
        jdbc.update("""
                update broadcast_recipient r
                   set outcome = case when b.status = 'running' then 'pending' else 'cancelled' end,
                       finished_at = case when b.status = 'running' then null else now() end,
                       claimed_by = null, claimed_until = null
                  from broadcast b
                 where r.id = :id and r.outcome = 'sending' and b.id = r.broadcast_id""", Map.of("id", id));
    }

    /** Cancel: every recipient not yet claimed ends cancelled. Returns how many. */
    public int cancelPending(long broadcastId, Instant now) {
        return jdbc.update("""
                update broadcast_recipient set outcome = 'cancelled', finished_at = :now
                where broadcast_id = :broadcast and outcome = 'pending'""",
                new MapSqlParameterSource("broadcast", broadcastId).addValue("now", Timestamp.from(now)));
    }

    /** Counts by outcome, every outcome present (a claim in flight counts as pending). */
    public Map<String, Long> counts(long broadcastId) {
        Map<String, Long> counts = new LinkedHashMap<>();
        OUTCOMES.forEach(o -> counts.put(o, 0L));
        jdbc.query("select outcome, count(*) as n from broadcast_recipient where broadcast_id = :b group by outcome",
                Map.of("b", broadcastId), rs -> {
                    String outcome = "sending".equals(rs.getString("outcome")) ? "pending" : rs.getString("outcome");
                    counts.merge(outcome, rs.getLong("n"), Long::sum);
                });
        return counts;
    }

    public record Row(long id, String phone, String outcome, Long messageId, String error) {
    }

    /** Keyset-paged by position; {@code outcome} null for all. */
    public List<Row> list(long tenantId, long broadcastId, String outcome, long afterId, int limit) {
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId).addValue("b", broadcastId)
                .addValue("after", afterId).addValue("limit", limit);
        String filter = "";
        if (outcome != null) {
            filter = "sending".equals(outcome) || "pending".equals(outcome)
                    ? " and outcome in ('pending', 'sending')" : " and outcome = :outcome";
            p.addValue("outcome", outcome);
        }
        return jdbc.query("select id, phone, outcome, message_id, error from broadcast_recipient "
                        + "where tenant_id = :tenant and broadcast_id = :b and id > :after" + filter
                        + " order by id limit :limit", p,
                (rs, row) -> new Row(rs.getLong("id"), rs.getString("phone"),
                        "sending".equals(rs.getString("outcome")) ? "pending" : rs.getString("outcome"),
                        (Long) rs.getObject("message_id"), rs.getString("error")));
    }

    /**
     * Erasure: the filled-in texts a broadcast kept for this phone (names in template parameters). A
     * send not yet made cannot be made without them: it ends cancelled.
     */
    public int eraseTexts(long tenantId, String phone) {
        return jdbc.update("""
                update broadcast_recipient
                   set body = null, components = null,
                       error = case when outcome = 'pending' then 'ERASED: the recipient data was erased' else error end,
                       finished_at = coalesce(finished_at, now()),
                       outcome = case when outcome = 'pending' then 'cancelled' else outcome end
                where tenant_id = :tenant and phone = :phone and (body is not null or components is not null)""",
                Map.of("tenant", tenantId, "phone", phone));
    }

    private String json(JsonNode value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
