package de.inboxgateway.conversation;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.support.Channel;

/** All SQL on table {@code conversation}. */
@Repository
public class ConversationRepository {

    private final NamedParameterJdbcTemplate jdbc;

    public ConversationRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public record Upserted(long id, boolean created) {
    }

    /**
     * Find or create the one conversation of (tenant, phone, channel) in a single statement, so that
     * parallel first messages from a new sender cannot create two. The last inbound time only moves
     * forward, so a late re-delivery of an old message never shortens the service window.
     */
    public Upserted upsertForInbound(long tenantId, Channel channel, String phone, Instant providerTimestamp,
                                     Instant now) {
        return jdbc.queryForObject("""
                insert into conversation as c (tenant_id, channel, phone, created_at, last_message_at, last_inbound_at)
                values (:tenant, :channel, :phone, :now, :now, :inboundAt)
                on conflict (tenant_id, phone, channel) do update
                   set last_inbound_at = greatest(c.last_inbound_at, excluded.last_inbound_at),
                       last_message_at = greatest(c.last_message_at, excluded.last_message_at)
                returning id, (xmax = 0) as created""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("channel", channel.wire())
                .addValue("phone", phone)
                .addValue("now", Timestamp.from(now))
                .addValue("inboundAt", providerTimestamp == null ? Timestamp.from(now) : Timestamp.from(providerTimestamp)),
                (rs, row) -> new Upserted(rs.getLong("id"), rs.getBoolean("created")));
    }

    /** The conversation an outbound message belongs to; created if the ERP writes first. */
    public Upserted upsertForOutbound(long tenantId, Channel channel, String phone, Instant now) {
        return jdbc.queryForObject("""
                insert into conversation as c (tenant_id, channel, phone, created_at, last_message_at)
                values (:tenant, :channel, :phone, :now, :now)
                on conflict (tenant_id, phone, channel) do update
                   set last_message_at = greatest(c.last_message_at, excluded.last_message_at)
                returning id, (xmax = 0) as created""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("channel", channel.wire())
                .addValue("phone", phone)
                .addValue("now", Timestamp.from(now)),
                (rs, row) -> new Upserted(rs.getLong("id"), rs.getBoolean("created")));
    }

    public Optional<Long> find(long tenantId, Channel channel, String phone) {
        return jdbc.queryForList("select id from conversation where tenant_id = :tenant and channel = :channel and phone = :phone",
                Map.of("tenant", tenantId, "channel", channel.wire(), "phone", phone), Long.class).stream().findFirst();
    }

    /** The contact's last inbound time on this channel (provider timestamp), if they ever wrote. */
    public Optional<Instant> lastInboundAt(long tenantId, Channel channel, String phone) {
        return jdbc.query("""
                select last_inbound_at from conversation
                where tenant_id = :tenant and channel = :channel and phone = :phone""",
                Map.of("tenant", tenantId, "channel", channel.wire(), "phone", phone),
                (rs, row) -> instant(rs, "last_inbound_at")).stream().filter(java.util.Objects::nonNull).findFirst();
    }

    public record ContactRef(String externalId, String name, String role) {
    }

    public record ConversationRow(long id, String channel, String phone, ContactRef contact, Instant createdAt,
                                  Instant lastMessageAt, Instant lastInboundAt, boolean optedOut) {
    }

    private static final String SELECT = """
            select c.id, c.channel, c.phone, c.created_at, c.last_message_at, c.last_inbound_at,
                   k.external_id, k.name, k.role,
                   exists (select 1 from optout o
                           where o.tenant_id = c.tenant_id and o.channel = c.channel and o.phone = c.phone
                             and o.ended_at is null) as opted_out
            from conversation c
            left join contact_phone p on p.tenant_id = c.tenant_id and p.phone = c.phone
            left join contact k on k.id = p.contact_id and k.tenant_id = c.tenant_id
            where c.tenant_id = :tenant""";

    /** Newest activity first; keyset pagination on (last_message_at, id). */
    public List<ConversationRow> list(long tenantId, Channel channel, String phone, Instant afterAt, Long afterId,
                                      int limit) {
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId).addValue("limit", limit);
        StringBuilder sql = new StringBuilder(SELECT);
        if (channel != null) {
            sql.append(" and c.channel = :channel");
            p.addValue("channel", channel.wire());
        }
        if (phone != null) {
            sql.append(" and c.phone = :phone");
            p.addValue("phone", phone);
        }
        if (afterId != null) {
            sql.append(" and (c.last_message_at, c.id) < (:afterAt, :afterId)");
            p.addValue("afterAt", Timestamp.from(afterAt)).addValue("afterId", afterId);
        }
        sql.append(" order by c.last_message_at desc, c.id desc limit :limit");
        return jdbc.query(sql.toString(), p, ConversationRepository::map);
    }

    public Optional<ConversationRow> find(long tenantId, long id) {
        return jdbc.query(SELECT + " and c.id = :id", Map.of("tenant", tenantId, "id", id), ConversationRepository::map)
                .stream().findFirst();
    }

    private static ConversationRow map(ResultSet rs, int row) throws SQLException {
        String externalId = rs.getString("external_id");
        ContactRef contact = externalId == null ? null
                : new ContactRef(externalId, rs.getString("name"), rs.getString("role"));
        return new ConversationRow(rs.getLong("id"), rs.getString("channel"), rs.getString("phone"), contact,
                instant(rs, "created_at"), instant(rs, "last_message_at"), instant(rs, "last_inbound_at"),
                rs.getBoolean("opted_out"));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
