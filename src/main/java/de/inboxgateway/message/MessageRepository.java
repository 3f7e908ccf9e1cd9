package de.inboxgateway.message;

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
import de.inboxgateway.message.StatusRank;
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

    /** An inbound message a WhatsApp read receipt can name: its provider id, and the business number it came to. */
    public record ReceiptTarget(long id, String providerMessageId, String recipient) {
    }

    /** The conversation's newest inbound message by the provider's timestamp (the one a read receipt is for). */
    public Optional<ReceiptTarget> newestInbound(long tenantId, long conversationId) {
        return jdbc.query("""
                select id, provider_message_id, recipient from message
                where tenant_id = :tenant and conversation_id = :conversation and direction = 'inbound'
                  and provider_message_id is not null
                order by provider_timestamp desc nulls last, id desc limit 1""",
                Map.of("tenant", tenantId, "conversation", conversationId),
                (rs, row) -> new ReceiptTarget(rs.getLong("id"), rs.getString("provider_message_id"),
                        rs.getString("recipient"))).stream().findFirst();
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
                .addValue("providerId", Text.clean(m.providerMessageId()))
                .addValue("type", Text.truncate(m.type(), 64))
                .addValue("text", Text.clean(m.text()))
                .addValue("media", m.media() == null || m.media().isEmpty() ? null : json(m.media()))
                .addValue("data", m.data() == null ? null : json(m.data()))
                .addValue("replyTo", Text.clean(m.replyTo()))
                .addValue("profileName", Text.clean(m.profileName()))
                .addValue("sender", Text.truncate(m.from(), 64))
                .addValue("recipient", m.to())
                .addValue("providerTimestamp", m.providerTimestamp() == null ? null : Timestamp.from(m.providerTimestamp()))
                .addValue("now", Timestamp.from(now)), Long.class);
        return ids.stream().findFirst();
    }

    /**
     * Stores an outbound message as queued. With an idempotency key that was used before, nothing is
     * stored and the result is empty (the caller replays the first message).
     */
    public Optional<Long> insertOutbound(long conversationId, NewOutbound m, String sender, Instant now) {
        return jdbc.queryForList("""
                insert into message (tenant_id, conversation_id, channel, channel_id, direction, kind, type, text,
                                     sender, recipient, status, status_rank, sent_by, resend_of, idempotency_key,
                                     request_hash, created_at, status_updated_at, media_id, data)
                values (:tenant, :conversation, :channel, :channelId, 'outbound', :kind, :type, :text,
                        :sender, :recipient, 'queued', :rank, :actor, :resendOf, :key, :hash, :now, :now, :mediaId,
                        cast(:data as jsonb))
                on conflict (tenant_id, idempotency_key) where idempotency_key is not null do nothing
                returning id""", new MapSqlParameterSource()
                .addValue("tenant", m.tenantId())
                .addValue("conversation", conversationId)
                .addValue("channel", m.channel())
                .addValue("channelId", m.channelId())
                .addValue("kind", m.kind())
                .addValue("type", m.type())
                .addValue("mediaId", m.mediaId())
                .addValue("data", m.data() == null ? null : json(m.data()))
                .addValue("text", m.text())
                .addValue("sender", sender)
                .addValue("recipient", m.recipient())
                .addValue("rank", StatusRank.of("queued"))
                .addValue("actor", m.actor())
                .addValue("resendOf", m.resendOf())
                .addValue("key", m.idempotencyKey())
                .addValue("hash", m.requestHash())
                .addValue("now", Timestamp.from(now)), Long.class).stream().findFirst();
    }

    public record Idempotent(long id, byte[] requestHash) {
    }

    public Optional<Idempotent> findByIdempotencyKey(long tenantId, String key) {
        return jdbc.query("""
                select id, request_hash from message where tenant_id = :tenant and idempotency_key = :key""",
                Map.of("tenant", tenantId, "key", key),
                (rs, row) -> new Idempotent(rs.getLong("id"), rs.getBytes("request_hash"))).stream().findFirst();
    }

    /**
     * Marks the one attempt of a queued message; false if it was attempted already (exactly once) or
     * if its recipient opted out since the opt-out filter looked (only a confirmation passes).
     */
    public boolean claim(long id, Instant now) {
        return jdbc.update("""
                update message m set attempted_at = :now
                where m.id = :id and m.attempted_at is null
                  and (m.kind = 'optout-confirmation' or not exists (
                        select 1 from optout o where o.tenant_id = m.tenant_id and o.channel = m.channel
                           and o.phone = m.recipient and o.ended_at is null))""",
                Map.of("id", id, "now", Timestamp.from(now))) == 1;
    }

    public record Stuck(long id, long tenantId, long conversationId, String channel, String recipient, String errorCode) {
    }

    /**
     * Outbound messages still queued long after they were asked for: never attempted (the gateway
     * stopped before the call) or attempted without a stored result. They are marked failed with
     * NOT_ATTEMPTED or OUTCOME_UNKNOWN, never sent late and never retried.
     */
    public List<Stuck> failStuck(Instant queuedBefore, Instant now) {
        return jdbc.query("""
                update message set status = 'failed', status_rank = :rank, status_updated_at = :now,
                       error_code = case when attempted_at is null then 'NOT_ATTEMPTED' else 'OUTCOME_UNKNOWN' end,
                       error_reason = case when attempted_at is null then 'NOT_SENT' else 'OUTCOME_UNKNOWN' end,
                       error_message = case when attempted_at is null
                           then 'queued but never attempted: the gateway stopped before the provider call; not sent'
                           else 'the provider call started but its result was never stored; it may or may not have been sent' end
                where direction = 'outbound' and status = 'queued' and created_at < :before
                  and (kind = 'message' or attempted_at is not null)
                returning id, tenant_id, conversation_id, channel, recipient, error_code""", new MapSqlParameterSource()
                .addValue("rank", StatusRank.of("failed")).addValue("now", Timestamp.from(now))
                .addValue("before", Timestamp.from(queuedBefore)),
                (rs, row) -> new Stuck(rs.getLong("id"), rs.getLong("tenant_id"), rs.getLong("conversation_id"),
                        rs.getString("channel"), rs.getString("recipient"), rs.getString("error_code")));
    }

    public void recordAccepted(long id, String providerMessageId, Instant now) {
        jdbc.update("""
                update message set provider_message_id = :providerId, status = 'sent', status_rank = :rank,
                                   status_updated_at = :now
                where id = :id and status_rank < :rank""", new MapSqlParameterSource()
                .addValue("id", id).addValue("providerId", providerMessageId)
                .addValue("rank", StatusRank.of("sent")).addValue("now", Timestamp.from(now)));
    }

    public void recordFailed(long id, String code, String message, String reason, Instant now) {
        jdbc.update("""
                update message set status = 'failed', status_rank = :rank, error_code = :code,
                                   error_message = :message, error_reason = :reason, status_updated_at = :now
                where id = :id""", new MapSqlParameterSource()
                .addValue("id", id).addValue("rank", StatusRank.of("failed")).addValue("code", code)
                .addValue("message", message).addValue("reason", reason).addValue("now", Timestamp.from(now)));
    }

    public record OutboundRow(long id, long tenantId, long conversationId, String channel, Long channelId, String kind,
                              String recipient, String text, String status, String providerMessageId, String errorCode,
                              String errorMessage, String errorReason, Instant attemptedAt, java.util.UUID mediaId,
                              String type, JsonNode data) {
    }

    public Optional<OutboundRow> findOutbound(long tenantId, long id) {
        return jdbc.query("""
                select id, tenant_id, conversation_id, channel, channel_id, kind, recipient, text, status,
                       provider_message_id, error_code, error_message, error_reason, attempted_at, media_id,
                       type, data::text as data
                from message where tenant_id = :tenant and id = :id and direction = 'outbound'""",
                Map.of("tenant", tenantId, "id", id), (rs, row) -> new OutboundRow(rs.getLong("id"),
                        rs.getLong("tenant_id"), rs.getLong("conversation_id"), rs.getString("channel"),
                        (Long) rs.getObject("channel_id"), rs.getString("kind"), rs.getString("recipient"),
                        rs.getString("text"), rs.getString("status"), rs.getString("provider_message_id"),
                        rs.getString("error_code"), rs.getString("error_message"), rs.getString("error_reason"),
                        instant(rs, "attempted_at"), rs.getObject("media_id", java.util.UUID.class),
                        rs.getString("type"), tree(rs.getString("data"))))
                .stream().findFirst();
    }

    /** A queued opt-out confirmation, whatever its tenant (the id comes from our own queue). */
    public Optional<OutboundRow> findConfirmation(long id) {
        Long tenantId = jdbc.queryForList("select tenant_id from message where id = :id and kind = 'optout-confirmation'",
                Map.of("id", id), Long.class).stream().findFirst().orElse(null);
        return tenantId == null ? Optional.empty() : findOutbound(tenantId, id);
    }

    /** Opt-out confirmations queued but not attempted (for example after a crash), oldest first. */
    public List<Long> pendingConfirmations(Instant queuedBefore, int limit) {
        return jdbc.queryForList("""
                select id from message
                where kind = 'optout-confirmation' and attempted_at is null and created_at < :before
                order by id limit :limit""", Map.of("before", Timestamp.from(queuedBefore), "limit", limit), Long.class);
    }

    public Optional<MessageRow> find(long tenantId, long id) {
        return jdbc.query("""
                select id, direction, type, text, media::text as media, data::text as data, reply_to, profile_name,
                       status, provider_message_id, created_at, provider_timestamp, status_updated_at,
                       error_code, error_message, error_reason
                from message where tenant_id = :tenant and id = :id""", Map.of("tenant", tenantId, "id", id), this::map)
                .stream().findFirst();
    }

    public record Advanced(long id, long conversationId) {
    }

    /**
     * Moves an outbound message to a status of higher rank; a lower or equal one (a late "delivered"
     * after "read") changes nothing. Empty when no outbound message of that provider id exists or
     * the status does not move it forward.
     */
    public Optional<Advanced> advanceStatus(long tenantId, String channel, String providerMessageId, String status,
                                            int rank, String errorCode, String errorMessage, String errorReason,
                                            Instant now) {
        return jdbc.query("""
                update message
                   set status = :status, status_rank = :rank, status_updated_at = :now,
                       error_code = coalesce(:errorCode, error_code),
                       error_message = coalesce(:errorMessage, error_message),
                       error_reason = coalesce(:errorReason, error_reason)
                 where tenant_id = :tenant and channel = :channel and provider_message_id = :providerId
                   and direction = 'outbound' and status_rank < :rank
                returning id, conversation_id""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("channel", channel)
                .addValue("providerId", providerMessageId)
                .addValue("status", status)
                .addValue("rank", rank)
                .addValue("errorCode", Text.truncate(errorCode, 64))
                .addValue("errorMessage", Text.truncate(errorMessage, 2000))
                .addValue("errorReason", errorReason)
                .addValue("now", Timestamp.from(now)),
                (rs, row) -> new Advanced(rs.getLong("id"), rs.getLong("conversation_id"))).stream().findFirst();
    }

    public record MessageRow(long id, String direction, String type, String text, JsonNode media, JsonNode data,
                             String replyTo, String profileName, String status, String providerMessageId,
                             Instant createdAt, Instant providerTimestamp, Instant statusUpdatedAt,
                             String errorCode, String errorMessage, String errorReason) {
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
                       error_code, error_message, error_reason
                from message where tenant_id = :tenant and conversation_id = :conversation""" + cursor
                + " order by id desc limit :limit", p, this::map);
    }

    private MessageRow map(ResultSet rs, int row) throws SQLException {
        return new MessageRow(rs.getLong("id"), rs.getString("direction"), rs.getString("type"), rs.getString("text"),
                tree(rs.getString("media")), tree(rs.getString("data")), rs.getString("reply_to"),
                rs.getString("profile_name"), rs.getString("status"), rs.getString("provider_message_id"),
                instant(rs, "created_at"), instant(rs, "provider_timestamp"),
                instant(rs, "status_updated_at"), rs.getString("error_code"),
                rs.getString("error_message"), rs.getString("error_reason"));
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

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    /** Erasure: the providers' error texts on the person's messages go. Returns how many. */
    public int eraseErrorTexts(long tenantId, String phone) {
        return jdbc.update("""
                update message m set error_message = null
                from conversation c
                where c.id = m.conversation_id and c.tenant_id = :tenant and m.tenant_id = :tenant and c.phone = :phone
                  and m.error_message is not null""", Map.of("tenant", tenantId, "phone", phone));
    }

    /** SMS to or from the person that Twilio knows by id (Twilio keeps their bodies in its own log). */
    public int countSmsAtTwilio(long tenantId, String phone) {
        return jdbc.queryForObject("""
                select count(*) from message m join conversation c on c.id = m.conversation_id
                where c.tenant_id = :tenant and m.tenant_id = :tenant and c.phone = :phone and m.channel = 'sms'
                  and m.provider_message_id is not null""", Map.of("tenant", tenantId, "phone", phone), Integer.class);
    }
}
