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

    /** @param status the conversation's status before this message ({@code closed} means it reopens) */
    public record Upserted(long id, boolean created, String status) {
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
                returning id, (xmax = 0) as created, status""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("channel", channel.wire())
                .addValue("phone", phone)
                .addValue("now", Timestamp.from(now))
                .addValue("inboundAt", providerTimestamp == null ? Timestamp.from(now) : Timestamp.from(providerTimestamp)),
                (rs, row) -> new Upserted(rs.getLong("id"), rs.getBoolean("created"), rs.getString("status")));
    }

    /** The conversation an outbound message belongs to; created if the ERP writes first. */
    public Upserted upsertForOutbound(long tenantId, Channel channel, String phone, Instant now) {
        return jdbc.queryForObject("""
                insert into conversation as c (tenant_id, channel, phone, created_at, last_message_at)
                values (:tenant, :channel, :phone, :now, :now)
                on conflict (tenant_id, phone, channel) do update
                   set last_message_at = greatest(c.last_message_at, excluded.last_message_at)
                returning id, (xmax = 0) as created, status""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("channel", channel.wire())
                .addValue("phone", phone)
                .addValue("now", Timestamp.from(now)),
                (rs, row) -> new Upserted(rs.getLong("id"), rs.getBoolean("created"), rs.getString("status")));
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

    /** The conversation as a work item: its state in the inbox and the ERP's case. */
    public record WorkItem(String status, String externalRef, String assignee) {
    }

    /** The last WhatsApp read receipt: for which message, and {@code sent}, {@code failed} or null while under way. */
    public record ReadReceipt(long messageId, String status, String error, Instant at) {
    }

    public record ConversationRow(long id, String channel, String phone, ContactRef contact, Instant createdAt,
                                  Instant lastMessageAt, Instant lastInboundAt, boolean optedOut, WorkItem work,
                                  long unreadCount, Instant readAt, ReadReceipt readReceipt) {
    }

    // unread: inbound messages after the newest one the last read covered (index message_conversation)
    private static final String SELECT = """
            select c.id, c.channel, c.phone, c.created_at, c.last_message_at, c.last_inbound_at,
                   c.status, c.external_ref, c.assignee, c.read_at,
                   c.receipt_message_id, c.receipt_status, c.receipt_error, c.receipt_at,
                   (select count(*) from message m
                    where m.conversation_id = c.id and m.direction = 'inbound'
                      and m.id > coalesce(c.read_up_to, 0)) as unread,
                   k.external_id, k.name, k.role,
                   exists (select 1 from optout o
                           where o.tenant_id = c.tenant_id and o.channel = c.channel and o.phone = c.phone
                             and o.ended_at is null) as opted_out
            from conversation c
            left join contact_phone p on p.tenant_id = c.tenant_id and p.phone = c.phone
            left join contact k on k.id = p.contact_id and k.tenant_id = c.tenant_id
            where c.tenant_id = :tenant""";

    /** What a list is narrowed to; null fields do not narrow. */
    public record Filter(Channel channel, String phone, String status, String externalRef, String assignee) {
    }

    /** Newest activity first; keyset pagination on (last_message_at, id). */
    public List<ConversationRow> list(long tenantId, Filter filter, Instant afterAt, Long afterId, int limit) {
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId).addValue("limit", limit);
        StringBuilder sql = new StringBuilder(SELECT);
        Channel channel = filter.channel();
        String phone = filter.phone();
        if (filter.status() != null) {
            sql.append(" and c.status = :status");
            p.addValue("status", filter.status());
        }
        if (filter.externalRef() != null) {
            sql.append(" and c.external_ref = :externalRef");
            p.addValue("externalRef", filter.externalRef());
        }
        if (filter.assignee() != null) {
            sql.append(" and c.assignee = :assignee");
            p.addValue("assignee", filter.assignee());
        }
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

    public void updateWorkItem(long tenantId, long id, WorkItem item) {
        jdbc.update("""
                update conversation set status = :status, external_ref = :externalRef, assignee = :assignee
                where tenant_id = :tenant and id = :id""", new MapSqlParameterSource()
                .addValue("tenant", tenantId).addValue("id", id).addValue("status", item.status())
                .addValue("externalRef", item.externalRef()).addValue("assignee", item.assignee()));
    }

    /**
     * A new inbound message on a closed conversation opens it again; the ERP's case and the assignee
     * stay. Empty if it was open already (a concurrent message reopened it first).
     */
    public Optional<WorkItem> reopen(long tenantId, long id) {
        return jdbc.query("""
                update conversation set status = 'open'
                where tenant_id = :tenant and id = :id and status = 'closed'
                returning status, external_ref, assignee""", Map.of("tenant", tenantId, "id", id),
                (rs, row) -> new WorkItem(rs.getString("status"), rs.getString("external_ref"), rs.getString("assignee")))
                .stream().findFirst();
    }

    /** The work item under a row lock, with the message the last read receipt was for. */
    public record Locked(WorkItem item, Long receiptMessageId) {
    }

    /** Locks the conversation for a change of its work item (PATCH, read) until the transaction ends. */
    public Optional<Locked> lock(long tenantId, long id) {
        return jdbc.query("""
                select status, external_ref, assignee, receipt_message_id from conversation
                where tenant_id = :tenant and id = :id for update""", Map.of("tenant", tenantId, "id", id),
                (rs, row) -> new Locked(new WorkItem(rs.getString("status"), rs.getString("external_ref"),
                        rs.getString("assignee")), (Long) rs.getObject("receipt_message_id")))
                .stream().findFirst();
    }

    /**
     * Marks every inbound message up to the newest as read (under the lock of {@link #lock}). With
     * {@code receiptFor}, that message's read receipt becomes the pending one: a second read finds it
     * already there and sends nothing. Returns the id read up to (0: nothing inbound yet).
     */
    public long markRead(long tenantId, long id, Long receiptFor, Instant now) {
        return jdbc.queryForObject("""
                update conversation c
                   set read_up_to = coalesce((select max(m.id) from message m
                                              where m.conversation_id = c.id and m.direction = 'inbound'), c.read_up_to),
                       read_at = :now,
                       receipt_message_id = coalesce(:receiptFor, c.receipt_message_id),
                       receipt_status = case when :pending then null else c.receipt_status end,
                       receipt_error = case when :pending then null else c.receipt_error end,
                       receipt_at = case when :pending then null else c.receipt_at end
                 where c.tenant_id = :tenant and c.id = :id
                returning coalesce(c.read_up_to, 0)""",
                new MapSqlParameterSource().addValue("tenant", tenantId).addValue("id", id)
                        .addValue("receiptFor", receiptFor, java.sql.Types.BIGINT)
                        .addValue("pending", receiptFor != null).addValue("now", Timestamp.from(now)), Long.class);
    }

    /** How the provider answered the read receipt for {@code messageId}. */
    public void recordReceipt(long tenantId, long id, long messageId, String status, String error, Instant at) {
        jdbc.update("""
                update conversation set receipt_status = :status, receipt_error = :error, receipt_at = :at
                where tenant_id = :tenant and id = :id and receipt_message_id = :message""", new MapSqlParameterSource()
                .addValue("tenant", tenantId).addValue("id", id).addValue("message", messageId)
                .addValue("status", status).addValue("error", error).addValue("at", Timestamp.from(at)));
    }

    private static ConversationRow map(ResultSet rs, int row) throws SQLException {
        String externalId = rs.getString("external_id");
        ContactRef contact = externalId == null ? null
                : new ContactRef(externalId, rs.getString("name"), rs.getString("role"));
        Long receiptFor = (Long) rs.getObject("receipt_message_id");
        ReadReceipt receipt = receiptFor == null ? null : new ReadReceipt(receiptFor, rs.getString("receipt_status"),
                rs.getString("receipt_error"), instant(rs, "receipt_at"));
        return new ConversationRow(rs.getLong("id"), rs.getString("channel"), rs.getString("phone"), contact,
                instant(rs, "created_at"), instant(rs, "last_message_at"), instant(rs, "last_inbound_at"),
                rs.getBoolean("opted_out"), new WorkItem(rs.getString("status"), rs.getString("external_ref"),
                        rs.getString("assignee")), rs.getLong("unread"), instant(rs, "read_at"), receipt);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
