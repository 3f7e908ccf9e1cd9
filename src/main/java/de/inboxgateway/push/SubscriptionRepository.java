package de.inboxgateway.push;

import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.tenant.SecretCipher;

/** All SQL on table {@code webhook_subscription}. The secret is sealed with {@link SecretCipher}, bound to the row. */
@Repository
public class SubscriptionRepository {

    private static final String COLUMNS = """
            id, tenant_id, url, types, description, status, secret, start_event_id, cursor_event_id, held_since,
            created_at, updated_at""";
    private final NamedParameterJdbcTemplate jdbc;
    private final SecretCipher cipher;

    public SubscriptionRepository(NamedParameterJdbcTemplate jdbc, SecretCipher cipher) {
        this.jdbc = jdbc;
        this.cipher = cipher;
    }

    /** A new active subscription that receives the events after {@code startEventId}. */
    public Subscription create(long tenantId, String url, List<String> types, String description, String secret,
                               long startEventId, Instant now) {
        UUID id = UUID.randomUUID();
        return jdbc.queryForObject("""
                insert into webhook_subscription (id, tenant_id, url, types, description, status, secret,
                                                  start_event_id, cursor_event_id, created_at, updated_at)
                values (:id, :tenant, :url, :types, :description, 'active', :secret, :start, :start, :now, :now)
                returning""" + " " + COLUMNS, new MapSqlParameterSource()
                .addValue("id", id).addValue("tenant", tenantId).addValue("url", url)
                .addValue("types", types == null ? null : types.toArray(String[]::new))
                .addValue("description", description)
                .addValue("secret", cipher.encrypt(secret, Subscription.secretOwner(id, tenantId)))
                .addValue("start", startEventId).addValue("now", Timestamp.from(now)), this::map);
    }

    public List<Subscription> list(long tenantId) {
        return jdbc.query("select " + COLUMNS + " from webhook_subscription where tenant_id = :tenant order by created_at, id",
                Map.of("tenant", tenantId), this::map);
    }

    public Optional<Subscription> find(long tenantId, UUID id) {
        return jdbc.query("select " + COLUMNS + " from webhook_subscription where tenant_id = :tenant and id = :id",
                Map.of("tenant", tenantId, "id", id), this::map).stream().findFirst();
    }

    /** The same, locked until the end of the transaction (a PATCH and the job's status change do not cross). */
    public Optional<Subscription> lock(long tenantId, UUID id) {
        return jdbc.query("select " + COLUMNS + " from webhook_subscription where tenant_id = :tenant and id = :id for update",
                Map.of("tenant", tenantId, "id", id), this::map).stream().findFirst();
    }

    public Subscription update(long tenantId, UUID id, String url, List<String> types, String description, String status,
                               Instant heldSince, Instant now) {
        return jdbc.queryForObject("""
                update webhook_subscription set url = :url, types = :types, description = :description, status = :status,
                                                held_since = :held, updated_at = :now
                where tenant_id = :tenant and id = :id
                returning""" + " " + COLUMNS, new MapSqlParameterSource()
                .addValue("tenant", tenantId).addValue("id", id).addValue("url", url)
                .addValue("types", types == null ? null : types.toArray(String[]::new))
                .addValue("description", description).addValue("status", status)
                .addValue("held", heldSince == null ? null : Timestamp.from(heldSince))
                .addValue("now", Timestamp.from(now)), this::map);
    }

    /** A 410 from the receiver: the subscription stops until a PATCH makes it active again. */
    public boolean disable(long tenantId, UUID id, Instant now) {
        return jdbc.update("""
                update webhook_subscription set status = 'disabled', held_since = coalesce(held_since, :now), updated_at = :now
                where tenant_id = :tenant and id = :id and status <> 'disabled'""",
                new MapSqlParameterSource("tenant", tenantId).addValue("id", id).addValue("now", Timestamp.from(now))) == 1;
    }

    public boolean delete(long tenantId, UUID id) {
        return jdbc.update("delete from webhook_subscription where tenant_id = :tenant and id = :id",
                Map.of("tenant", tenantId, "id", id)) == 1;
    }

    /**
     * Active subscriptions (any tenant; system scope) with events after their cursor, locked for
     * this transaction: another instance skips them meanwhile.
     */
    public List<Subscription> lockBehind(int limit) {
        return jdbc.query("select " + COLUMNS + " from webhook_subscription s " + """
                where status = 'active'
                  and cursor_event_id < (select t.event_seq from tenant t where t.id = s.tenant_id)
                order by fanned_at nulls first limit :limit for update skip locked""", Map.of("limit", limit), this::map);
    }

    public void advanceCursor(UUID id, long cursorEventId) {
        // fanned_at: the subscription waited longest goes first next time, so a busy few cannot starve the rest
        jdbc.update("update webhook_subscription set cursor_event_id = greatest(cursor_event_id, :cursor), "
                        + "fanned_at = clock_timestamp() where id = :id",
                Map.of("id", id, "cursor", cursorEventId));
    }

    public String secret(Subscription s) {
        return cipher.decrypt(s.sealedSecret(), Subscription.secretOwner(s.id(), s.tenantId()));
    }

    private Subscription map(ResultSet rs, int row) throws SQLException {
        Array types = rs.getArray("types");
        return new Subscription(rs.getObject("id", UUID.class), rs.getLong("tenant_id"), rs.getString("url"),
                types == null ? null : List.copyOf(Arrays.asList((String[]) types.getArray())), rs.getString("description"),
                rs.getString("status"), rs.getBytes("secret"), rs.getLong("start_event_id"), rs.getLong("cursor_event_id"),
                instant(rs, "held_since"), instant(rs, "created_at"), instant(rs, "updated_at"));
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }
}
