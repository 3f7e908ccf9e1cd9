package de.inboxgateway.threading;

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

import de.inboxgateway.normalize.InboundMessage;
import de.inboxgateway.support.Text;

/** All SQL on table {@code message}. */
@Repository
public class MessageRepository {

    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public MessageRepository(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    /** Stores an inbound message once; a re-delivery of the same provider id stores nothing and yields empty. */
    public Optional<Long> insertInbound(long conversationId, InboundMessage m, Instant now) {
        List<Long> ids = jdbc.queryForList("""
                insert into message (tenant_id, conversation_id, channel, direction, provider_message_id, type, text,
                                     media, data, reply_to, profile_name, sender, recipient, status, status_rank,
                                     provider_timestamp, created_at)
                values (:tenant, :conversation, :channel, 'inbound', :providerId, :type, :text,
                        cast(:media as jsonb), cast(:data as jsonb), :replyTo, :profileName, :sender, :recipient,
                        'received', 0, :providerTimestamp, :now)
                on conflict (tenant_id, channel, provider_message_id) do nothing
                returning id""", new MapSqlParameterSource()
                .addValue("tenant", m.tenantId())
                .addValue("conversation", conversationId)
                .addValue("channel", m.channel().wire())
                .addValue("providerId", m.providerMessageId())
                .addValue("type", m.type())
                .addValue("text", Text.clean(m.text()))
                .addValue("media", m.media() == null || m.media().isEmpty() ? null : json(m.media()))
                .addValue("data", m.data() == null ? null : json(m.data()))
                .addValue("replyTo", Text.clean(m.replyTo()))
                .addValue("profileName", Text.clean(m.profileName()))
                .addValue("sender", m.from())
                .addValue("recipient", m.to())
                .addValue("providerTimestamp", m.providerTimestamp() == null ? null : Timestamp.from(m.providerTimestamp()))
                .addValue("now", Timestamp.from(now)), Long.class);
        return ids.stream().findFirst();
    }

    public record Advanced(long id, long conversationId) {
    }

    /**
     * Moves an outbound message to a status of higher rank; a lower or equal one (a late "delivered"
     * after "read") changes nothing. Empty when no outbound message of that provider id exists or
     * the status does not move it forward.
     */
    public Optional<Advanced> advanceStatus(long tenantId, String channel, String providerMessageId, String status,
                                            int rank, String errorCode, String errorMessage, Instant now) {
        return jdbc.query("""
                update message
                   set status = :status, status_rank = :rank, status_updated_at = :now,
                       error_code = coalesce(:errorCode, error_code),
                       error_message = coalesce(:errorMessage, error_message)
                 where tenant_id = :tenant and channel = :channel and provider_message_id = :providerId
                   and direction = 'outbound' and status_rank < :rank
                returning id, conversation_id""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("channel", channel)
                .addValue("providerId", providerMessageId)
                .addValue("status", status)
                .addValue("rank", rank)
                .addValue("errorCode", errorCode)
                .addValue("errorMessage", errorMessage)
                .addValue("now", Timestamp.from(now)),
                (rs, row) -> new Advanced(rs.getLong("id"), rs.getLong("conversation_id"))).stream().findFirst();
    }

    public record MessageRow(long id, String direction, String type, String text, JsonNode media, JsonNode data,
                             String replyTo, String profileName, String status, String providerMessageId,
                             Instant createdAt, Instant providerTimestamp, Instant statusUpdatedAt,
                             String errorCode, String errorMessage) {
    }

    /** Newest first; keyset pagination on id. The tenant is part of every lookup. */
    public List<MessageRow> listByConversation(long tenantId, long conversationId, Long beforeId, int limit) {
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId)
                .addValue("conversation", conversationId).addValue("limit", limit);
        String cursor = "";
        if (beforeId != null) {
            cursor = " and id < :beforeId";
            p.addValue("beforeId", beforeId);
        }
        return jdbc.query("""
                select id, direction, type, text, media::text as media, data::text as data, reply_to, profile_name,
                       status, provider_message_id, created_at, provider_timestamp, status_updated_at,
                       error_code, error_message
                from message where tenant_id = :tenant and conversation_id = :conversation""" + cursor
                + " order by id desc limit :limit", p, this::map);
    }

    public long countForTenant(long tenantId) {
        return jdbc.queryForObject("select count(*) from message where tenant_id = :tenant",
                Map.of("tenant", tenantId), Long.class);
    }

    private MessageRow map(ResultSet rs, int row) throws SQLException {
        return new MessageRow(rs.getLong("id"), rs.getString("direction"), rs.getString("type"), rs.getString("text"),
                tree(rs.getString("media")), tree(rs.getString("data")), rs.getString("reply_to"),
                rs.getString("profile_name"), rs.getString("status"), rs.getString("provider_message_id"),
                ConversationRepository.instant(rs, "created_at"), ConversationRepository.instant(rs, "provider_timestamp"),
                ConversationRepository.instant(rs, "status_updated_at"), rs.getString("error_code"),
                rs.getString("error_message"));
    }

    private String json(Object value) {
        try {
            return Text.cleanJson(mapper.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode tree(String json) {
        try {
            return json == null ? null : mapper.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
