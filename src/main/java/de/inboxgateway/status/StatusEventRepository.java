package de.inboxgateway.status;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.normalize.StatusUpdate;
import de.inboxgateway.support.Text;

/** All SQL on table {@code message_status_event}. */
@Repository
public class StatusEventRepository {

    private final NamedParameterJdbcTemplate jdbc;

    public StatusEventRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Serializes, until commit, everything about one provider message id: a status webhook and the
     * send that learns the id cannot miss each other.
     */
    public void lock(long tenantId, String channel, String providerMessageId) {
        jdbc.queryForList("select pg_advisory_xact_lock(hashtextextended(:key, 0))",
                Map.of("key", tenantId + "|" + channel + "|" + providerMessageId), Object.class);
    }

    /** True when this (message, status) was not seen before. */
    public boolean insertIfNew(StatusUpdate s, int rank, Instant receivedAt) {
        return jdbc.update("""
                insert into message_status_event (tenant_id, channel, provider_message_id, status, status_rank,
                                                  error_code, error_message, provider_timestamp, received_at)
                values (:tenant, :channel, :providerId, :status, :rank, :errorCode, :errorMessage, :ts, :receivedAt)
                on conflict (tenant_id, channel, provider_message_id, status) do nothing""", new MapSqlParameterSource()
                .addValue("tenant", s.tenantId())
                .addValue("channel", s.channel().wire())
                .addValue("providerId", Text.clean(s.providerMessageId()))
                .addValue("status", Text.truncate(s.status(), 64))
                .addValue("rank", rank)
                .addValue("errorCode", Text.truncate(s.errorCode(), 64))
                .addValue("errorMessage", Text.truncate(s.errorMessage(), 2000))
                .addValue("ts", s.providerTimestamp() == null ? null : Timestamp.from(s.providerTimestamp()))
                .addValue("receivedAt", Timestamp.from(receivedAt))) == 1;
    }

    public record Best(String status, int rank, String errorCode, String errorMessage) {
    }

    /** The highest-ranked status reported so far for a provider id (it may have overtaken the send). */
    public java.util.Optional<Best> best(long tenantId, String channel, String providerMessageId) {
        return jdbc.query("""
                select status, status_rank, error_code, error_message from message_status_event
                where tenant_id = :tenant and channel = :channel and provider_message_id = :providerId and status_rank >= 0
                order by status_rank desc limit 1""",
                Map.of("tenant", tenantId, "channel", channel, "providerId", providerMessageId),
                (rs, row) -> new Best(rs.getString("status"), rs.getInt("status_rank"), rs.getString("error_code"),
                        rs.getString("error_message"))).stream().findFirst();
    }

    /** Erasure: the providers' error texts on the statuses of the person's messages go. Returns how many. */
    public int eraseErrorTexts(long tenantId, String phone) {
        return jdbc.update("""
                update message_status_event s set error_message = null
                from message m join conversation c on c.id = m.conversation_id
                where s.tenant_id = :tenant and s.channel = m.channel and s.provider_message_id = m.provider_message_id
                  and m.tenant_id = :tenant and c.tenant_id = :tenant and c.phone = :phone
                  and s.error_message is not null""", Map.of("tenant", tenantId, "phone", phone));
    }
}
