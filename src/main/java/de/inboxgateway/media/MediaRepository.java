package de.inboxgateway.media;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.support.Text;

/** All SQL on table {@code media}. */
@Repository
public class MediaRepository {

    private static final String COLUMNS = """
            id, tenant_id, origin, message_id, channel, channel_id, position, kind, mime_type, filename, caption, size,
            sha256, status, error_code, error_message, provider_media_id, provider_url, provider_sha256, storage_key,
            attempts, created_at, stored_at""";
    private final NamedParameterJdbcTemplate jdbc;

    public MediaRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** A provider's attachment of an inbound message, pending download (due at once). */
    public MediaRow insertInbound(long tenantId, long messageId, String channel, long channelId, int position, String kind,
                                  String mimeType, String filename, String caption, String providerMediaId,
                                  String providerUrl, String providerSha256, Instant now) {
        UUID id = UUID.randomUUID();
        return jdbc.queryForObject("""
                insert into media (id, tenant_id, origin, message_id, channel, channel_id, position, kind, mime_type,
                                   filename, caption, status, provider_media_id, provider_url, provider_sha256,
                                   storage_key, next_attempt_at, created_at)
                values (:id, :tenant, 'inbound', :message, :channel, :channelId, :position, :kind, :mime, :filename,
                        :caption, 'pending', :providerId, :providerUrl, :providerSha, :key, :now, :now)
                returning""" + " " + COLUMNS, new MapSqlParameterSource()
                .addValue("id", id).addValue("tenant", tenantId).addValue("message", messageId)
                .addValue("channel", channel).addValue("channelId", channelId).addValue("position", position)
                .addValue("kind", kind).addValue("mime", Text.truncate(mimeType, 200))
                .addValue("filename", MediaNames.safe(filename)).addValue("caption", Text.clean(caption))
                .addValue("providerId", Text.truncate(providerMediaId, 200))
                .addValue("providerUrl", Text.truncate(providerUrl, 2000))
                .addValue("providerSha", Text.truncate(providerSha256, 200))
                .addValue("key", MediaKeys.of(tenantId, id)).addValue("now", Timestamp.from(now)), this::map);
    }

    /** A manager's upload, already in the store. */
    public MediaRow insertUpload(UUID id, long tenantId, String kind, String mimeType, String filename, long size,
                                 String sha256, Instant now) {
        return jdbc.queryForObject("""
                insert into media (id, tenant_id, origin, kind, mime_type, filename, size, sha256, status, storage_key,
                                   created_at, stored_at)
                values (:id, :tenant, 'upload', :kind, :mime, :filename, :size, :sha, 'stored', :key, :now, :now)
                returning""" + " " + COLUMNS, new MapSqlParameterSource()
                .addValue("id", id).addValue("tenant", tenantId).addValue("kind", kind).addValue("mime", mimeType)
                .addValue("filename", filename).addValue("size", size).addValue("sha", sha256)
                .addValue("key", MediaKeys.of(tenantId, id)).addValue("now", Timestamp.from(now)), this::map);
    }

    public Optional<MediaRow> find(long tenantId, UUID id) {
        return jdbc.query("select " + COLUMNS + " from media where tenant_id = :tenant and id = :id",
                Map.of("tenant", tenantId, "id", id), this::map).stream().findFirst();
    }

    /** The media of each message: what an inbound message carried, or the upload an outbound one sends. */
    public Map<Long, List<MediaRow>> forMessages(long tenantId, Collection<Long> messageIds) {
        Map<Long, List<MediaRow>> byMessage = new LinkedHashMap<>();
        if (messageIds.isEmpty()) {
            return byMessage;
        }
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId)
                .addValue("ids", messageIds.toArray(Long[]::new));
        jdbc.query("""
                select x.id as owner, m.* from message x join media m on m.tenant_id = x.tenant_id and m.message_id = x.id
                where x.tenant_id = :tenant and x.id = any(:ids)
                union all
                select x.id as owner, m.* from message x join media m on m.tenant_id = x.tenant_id and m.id = x.media_id
                where x.tenant_id = :tenant and x.id = any(:ids)
                order by owner, position""", p, rs -> {
            byMessage.computeIfAbsent(rs.getLong("owner"), k -> new ArrayList<>()).add(map(rs, 0));
        });
        return byMessage;
    }

    /**
     * Takes up to {@code limit} due downloads under a lease, whatever their tenant: skipped are rows
     * another instance holds (locked now, or leased and not yet expired).
     */
    public List<MediaRow> claimDue(String owner, Instant now, Instant leaseUntil, int limit) {
        return jdbc.query("""
                update media set lease_until = :leaseUntil, lease_owner = :owner, attempts = attempts + 1
                where id in (select id from media
                             where status = 'pending' and next_attempt_at <= :now
                               and (lease_until is null or lease_until < :now)
                             order by next_attempt_at limit :limit for update skip locked)
                returning""" + " " + COLUMNS, new MapSqlParameterSource()
                .addValue("now", Timestamp.from(now)).addValue("leaseUntil", Timestamp.from(leaseUntil))
                .addValue("owner", owner).addValue("limit", limit), this::map);
    }

    /** Keeps the leases of downloads still running on this instance (null: gives them up, e.g. at shutdown). */
    public void renewLeases(String owner, Collection<UUID> ids, Instant leaseUntil) {
        if (!ids.isEmpty()) {
            jdbc.update("""
                    update media set lease_until = :until
                    where id = any(:ids) and status = 'pending' and lease_owner = :owner""",
                    new MapSqlParameterSource("until", leaseUntil == null ? null : Timestamp.from(leaseUntil))
                            .addValue("ids", ids.toArray(UUID[]::new)).addValue("owner", owner));
        }
    }

    /** Whether this instance still holds the pending download (its lease was not taken over). */
    public boolean holds(UUID id, String owner) {
        return !jdbc.queryForList("select 1 from media where id = :id and status = 'pending' and lease_owner = :owner",
                Map.of("id", id, "owner", owner), Integer.class).isEmpty();
    }

    /** The download is in the store; empty if this instance no longer holds it (taken over, erased). */
    public Optional<MediaRow> markStored(UUID id, String owner, long size, String sha256, String mimeType, String kind,
                                         Instant now) {
        return jdbc.query("""
                update media set status = 'stored', size = :size, sha256 = :sha, mime_type = :mime, kind = :kind,
                                 stored_at = :now, lease_until = null, next_attempt_at = null,
                                 error_code = null, error_message = null
                where id = :id and status = 'pending' and lease_owner = :owner
                returning""" + " " + COLUMNS, new MapSqlParameterSource()
                .addValue("id", id).addValue("owner", owner).addValue("size", size).addValue("sha", sha256).addValue("mime", mimeType)
                .addValue("kind", kind).addValue("now", Timestamp.from(now)), this::map).stream().findFirst();
    }

    /** A transient failure: tried again at {@code nextAttemptAt}; the last error is kept for the API. */
    public void scheduleRetry(UUID id, String owner, Instant nextAttemptAt, String errorMessage) {
        jdbc.update("""
                update media set next_attempt_at = :next, lease_until = null, error_message = :message
                where id = :id and status = 'pending' and lease_owner = :owner""", new MapSqlParameterSource()
                .addValue("id", id).addValue("owner", owner).addValue("next", Timestamp.from(nextAttemptAt))
                .addValue("message", Text.truncate(errorMessage, 1000)));
    }

    /** The end of a download that will not be tried again: failed or rejected, with the reason. */
    public Optional<MediaRow> markEnded(UUID id, String owner, String status, String errorCode, String errorMessage) {
        return jdbc.query("""
                update media set status = :status, error_code = :code, error_message = :message,
                                 lease_until = null, next_attempt_at = null
                where id = :id and status = 'pending' and lease_owner = :owner
                returning""" + " " + COLUMNS, new MapSqlParameterSource()
                .addValue("id", id).addValue("owner", owner).addValue("status", status).addValue("code", errorCode)
                .addValue("message", Text.truncate(errorMessage, 1000)), this::map).stream().findFirst();
    }

    /** Uploads older than the cut-off that no message sends (system scope). */
    public List<MediaRow> unsentUploads(Instant createdBefore, int limit) {
        return jdbc.query("select " + COLUMNS + " " + """
                 from media m where origin = 'upload' and created_at < :before
                   and not exists (select 1 from message x where x.media_id = m.id)
                 order by created_at limit :limit""", new MapSqlParameterSource()
                .addValue("before", Timestamp.from(createdBefore)).addValue("limit", limit), this::map);
    }

    /**
     * The media of one phone's messages in a tenant, for erasure: what the phone sent, and uploads sent
     * only to that phone (an upload also sent to others is not this person's data alone, and stays).
     */
    public List<MediaRow> ofPhone(long tenantId, String phone, Instant createdBefore) {
        return jdbc.query("select " + COLUMNS + " " + """
                 from media m where m.tenant_id = :tenant and (
                   exists (select 1 from message x join conversation c on c.id = x.conversation_id
                           where x.id = m.message_id and c.tenant_id = :tenant and c.phone = :phone
                             and x.created_at < :before)
                   or (m.origin = 'upload'
                       and exists (select 1 from message x join conversation c on c.id = x.conversation_id
                                   where x.media_id = m.id and c.phone = :phone and x.created_at < :before)
                       and not exists (select 1 from message x join conversation c on c.id = x.conversation_id
                                       where x.media_id = m.id and (c.phone <> :phone or x.created_at >= :before))))""",
                new MapSqlParameterSource("tenant", tenantId).addValue("phone", phone)
                        .addValue("before", Timestamp.from(createdBefore)), this::map);
    }

    /**
     * Removes an upload unless a message sends it, in one statement (a send in the same moment wins);
     * true if it was removed, and then the caller removes its bytes.
     */
    public boolean deleteUnsentUpload(long tenantId, UUID id) {
        return jdbc.update("""
                delete from media m where m.tenant_id = :tenant and m.id = :id and m.origin = 'upload'
                  and not exists (select 1 from message x where x.media_id = m.id)""",
                Map.of("tenant", tenantId, "id", id)) == 1;
    }

    /** Removes media rows (their bytes are removed from the store by the caller); messages lose the reference. */
    public int delete(long tenantId, Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId).addValue("ids", ids.toArray(UUID[]::new));
        jdbc.update("update message set media_id = null where tenant_id = :tenant and media_id = any(:ids)", p);
        return jdbc.update("delete from media where tenant_id = :tenant and id = any(:ids)", p);
    }

    /** The conversation and phone an inbound media item belongs to (for its event). */
    public record Owner(long conversationId, String phone, String channel) {
    }

    public Optional<Owner> owner(long tenantId, UUID mediaId) {
        return jdbc.query("""
                select c.id, c.phone, c.channel from media m join message x on x.id = m.message_id
                join conversation c on c.id = x.conversation_id
                where m.tenant_id = :tenant and m.id = :id""", Map.of("tenant", tenantId, "id", mediaId),
                (rs, row) -> new Owner(rs.getLong("id"), rs.getString("phone"), rs.getString("channel")))
                .stream().findFirst();
    }

    private MediaRow map(ResultSet rs, int row) throws SQLException {
        return new MediaRow(rs.getObject("id", UUID.class), rs.getLong("tenant_id"), rs.getString("origin"),
                (Long) rs.getObject("message_id"), rs.getString("channel"), (Long) rs.getObject("channel_id"),
                rs.getInt("position"), rs.getString("kind"), rs.getString("mime_type"), rs.getString("filename"),
                rs.getString("caption"), (Long) rs.getObject("size"), rs.getString("sha256"), rs.getString("status"),
                rs.getString("error_code"), rs.getString("error_message"), rs.getString("provider_media_id"),
                rs.getString("provider_url"), rs.getString("provider_sha256"), rs.getString("storage_key"),
                rs.getInt("attempts"), instant(rs, "created_at"), instant(rs, "stored_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
