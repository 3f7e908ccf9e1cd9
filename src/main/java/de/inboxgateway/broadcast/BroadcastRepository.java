package de.inboxgateway.broadcast;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.support.Rows;

/** All SQL on table {@code broadcast}. */
@Repository
public class BroadcastRepository {

    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public BroadcastRepository(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    /** @param template {@code {"name","language"}} on WhatsApp, null on SMS */
    public record Broadcast(long id, long tenantId, String name, String channel, long channelId, JsonNode template,
                            String text, String status, int total, String createdBy, byte[] requestHash,
                            Instant createdAt, Instant endedAt, Instant progressAt) {
    }

    public long insert(long tenantId, String name, String channel, long channelId, Object template, String text,
                       int total, String createdBy, String idempotencyKey, byte[] requestHash, Instant now) {
        return jdbc.queryForObject("""
                insert into broadcast (tenant_id, name, channel, channel_id, template, text, status, total, created_by,
                                       idempotency_key, request_hash, created_at)
                values (:tenant, :name, :channel, :channelId, cast(:template as jsonb), :text, 'running', :total, :by,
                        :key, :hash, :now)
                returning id""", new MapSqlParameterSource().addValue("tenant", tenantId).addValue("name", name)
                .addValue("channel", channel).addValue("channelId", channelId)
                .addValue("template", template == null ? null : json(template)).addValue("text", text)
                .addValue("total", total).addValue("by", createdBy).addValue("key", idempotencyKey)
                .addValue("hash", requestHash).addValue("now", Timestamp.from(now)), Long.class);
    }

    private static final String SELECT = """
            select id, tenant_id, name, channel, channel_id, template::text as template, text, status, total, created_by,
                   request_hash, created_at, ended_at, progress_at
            from broadcast""";

    public Optional<Broadcast> find(long tenantId, long id) {
        return jdbc.query(SELECT + " where tenant_id = :tenant and id = :id", Map.of("tenant", tenantId, "id", id),
                this::map).stream().findFirst();
    }

    public Optional<Broadcast> findByIdempotencyKey(long tenantId, String key) {
        return jdbc.query(SELECT + " where tenant_id = :tenant and idempotency_key = :key",
                Map.of("tenant", tenantId, "key", key), this::map).stream().findFirst();
    }

    /** The sending numbers with a running broadcast, every tenant's (the pacer runs in system scope). */
    public List<Long> runningChannels() {
        return jdbc.queryForList("select distinct channel_id from broadcast where status = 'running' order by 1",
                Map.of(), Long.class);
    }

    public List<Broadcast> running() {
        return jdbc.query(SELECT + " where status = 'running' order by id", Map.of(), this::map);
    }

    /** Running → completed or cancelled; false if it had ended already. */
    public boolean end(long id, String status, Instant now) {
        return jdbc.update("update broadcast set status = :status, ended_at = :now where id = :id and status = 'running'",
                new MapSqlParameterSource("id", id).addValue("status", status).addValue("now", Timestamp.from(now))) == 1;
    }

    /** Claims the right to the next progress event: at most one per {@code every}, across instances. */
    public boolean takeProgressTurn(long id, Instant now, Instant notBefore) {
        return jdbc.update("""
                update broadcast set progress_at = :now
                where id = :id and status = 'running' and (progress_at is null or progress_at <= :notBefore)""",
                new MapSqlParameterSource("id", id).addValue("now", Timestamp.from(now))
                        .addValue("notBefore", Timestamp.from(notBefore))) == 1;
    }

    private Broadcast map(ResultSet rs, int row) throws SQLException {
        String template = rs.getString("template");
        try {
            return new Broadcast(rs.getLong("id"), rs.getLong("tenant_id"), rs.getString("name"), rs.getString("channel"),
                    rs.getLong("channel_id"), template == null ? null : mapper.readTree(template), rs.getString("text"),
                    rs.getString("status"), rs.getInt("total"), rs.getString("created_by"), rs.getBytes("request_hash"),
                    Rows.instant(rs, "created_at"), Rows.instant(rs, "ended_at"), Rows.instant(rs, "progress_at"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String json(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
