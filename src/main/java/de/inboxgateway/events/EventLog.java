package de.inboxgateway.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

import de.inboxgateway.access.ConnectionScope;
import de.inboxgateway.support.Text;

/**
 * All SQL on table {@code tenant_event}: the stages publish tenant events here. An event is written
 * in the transaction of the change it announces, so it exists if and only if the change committed.
 * Events are buffered during the transaction and written just before its commit: only then is the
 * tenant row locked to take the next ids, which keeps ids increasing per tenant in commit order (a
 * client resuming with ?since= never misses one) while holding the lock for the shortest time.
 * The NOTIFY in the same transaction wakes every instance's feed once the commit is done. A group
 * commit's transaction thus takes each tenant's lock once and sends one NOTIFY per tenant for all
 * the webhooks it holds.
 */
@Component("eventLog")
public class EventLog {

    public static final String CHANNEL = "tenant_events";
    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper mapper;
    private final TransactionTemplate transactions;
    private final ConnectionScope scope;

    public EventLog(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper, TransactionTemplate transactions,
                    ConnectionScope scope) {
        this.scope = scope;
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.transactions = transactions;
    }

    record Pending(long tenantId, String type, Long conversationId, String phone, TenantEvent payload) {
    }

    public void publish(long tenantId, Long conversationId, String phone, TenantEvent payload) {
        Pending event = new Pending(tenantId, payload.type(), conversationId, phone, payload);
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            transactions.executeWithoutResult(status -> write(List.of(event)));
            return;
        }
        @SuppressWarnings("unchecked")
        List<Pending> buffer = (List<Pending>) TransactionSynchronizationManager.getResource(this);
        if (buffer == null) {
            List<Pending> fresh = new ArrayList<>();
            TransactionSynchronizationManager.bindResource(this, fresh);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void beforeCommit(boolean readOnly) {
                    write(fresh);
                }

                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(EventLog.this);
                }
            });
            buffer = fresh;
        }
        buffer.add(event);
    }

    private void write(List<Pending> events) {
        Map<Long, List<Pending>> byTenant = new TreeMap<>(); // lock tenant rows in one order: no deadlocks
        for (Pending e : events) {
            byTenant.computeIfAbsent(e.tenantId(), k -> new ArrayList<>()).add(e);
        }
        byTenant.forEach((tenantId, list) -> {
            scope.enterIfRescoped(tenantId); // a group commit's transaction serves several tenants
            long last = jdbc.queryForObject("update tenant set event_seq = event_seq + :n where id = :id returning event_seq",
                    Map.of("n", list.size(), "id", tenantId), Long.class);
            long id = last - list.size();
            MapSqlParameterSource[] rows = new MapSqlParameterSource[list.size()];
            for (int i = 0; i < list.size(); i++) {
                Pending e = list.get(i);
                rows[i] = new MapSqlParameterSource()
                        .addValue("tenant", tenantId)
                        .addValue("id", ++id)
                        .addValue("type", e.type())
                        .addValue("conversation", e.conversationId())
                        .addValue("phone", e.phone())
                        .addValue("payload", json(e.payload()));
            }
            jdbc.batchUpdate("""
                    insert into tenant_event (tenant_id, id, type, conversation_id, phone, payload)
                    values (:tenant, :id, :type, :conversation, :phone, cast(:payload as jsonb))""", rows);
            jdbc.queryForList("select pg_notify(:channel, :payload)",
                    Map.of("channel", CHANNEL, "payload", tenantId + ":" + last), Object.class);
        });
    }

    /** Payload prefix on {@link #CHANNEL}: an API key was revoked, its screens must close everywhere. */
    public static final String KEY_REVOKED = "key-revoked:";

    /** Tells every instance (the same NOTIFY channel as events) that the key's screens must close. */
    public void announceRevokedKey(long apiKeyId) {
        jdbc.queryForList("select pg_notify(:channel, :payload)",
                Map.of("channel", CHANNEL, "payload", KEY_REVOKED + apiKeyId), Object.class);
    }

    public record StoredEvent(long id, String type, java.time.Instant at, Long conversationId, String payload,
                              String contactExternalId, String contactName, String contactRole) {
    }

    /** Events of a tenant after {@code afterId}, oldest first, with the contact as it is now. */
    public List<StoredEvent> after(long tenantId, long afterId, int limit) {
        return jdbc.query("""
                select e.id, e.type, e.at, e.conversation_id, e.payload::text as payload,
                       k.external_id, k.name, k.role
                from tenant_event e
                left join contact_phone p on p.tenant_id = e.tenant_id and p.phone = e.phone
                left join contact k on k.id = p.contact_id and k.tenant_id = e.tenant_id
                where e.tenant_id = :tenant and e.id > :after
                order by e.id limit :limit""", Map.of("tenant", tenantId, "after", afterId, "limit", limit),
                (rs, row) -> new StoredEvent(rs.getLong("id"), rs.getString("type"), rs.getTimestamp("at").toInstant(),
                        (Long) rs.getObject("conversation_id"), rs.getString("payload"), rs.getString("external_id"),
                        rs.getString("name"), rs.getString("role")));
    }

    /** One event of a tenant, with the contact as it is now; empty once retention removed it. */
    public java.util.Optional<StoredEvent> find(long tenantId, long eventId) {
        return after(tenantId, eventId - 1, 1).stream().filter(e -> e.id() == eventId).findFirst();
    }

    /** The newest committed event id of a tenant. */
    public long lastId(long tenantId) {
        return jdbc.queryForObject("select event_seq from tenant where id = :id", Map.of("id", tenantId), Long.class);
    }

    /** Retention: events older than the cut-off go; returns how many. */
    public int deleteOlderThan(java.time.Instant cutoff) {
        return jdbc.update("delete from tenant_event where at < :cutoff", Map.of("cutoff", java.sql.Timestamp.from(cutoff)));
    }

    private String json(TenantEvent payload) {
        try {
            return Text.cleanJson(mapper.writeValueAsString(payload));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Erasure: the free-text source of the person's re-consent events goes. Returns how many. */
    public int eraseOptInSources(long tenantId, String phone) {
        return jdbc.update("""
                update tenant_event set payload = payload #- '{source}'
                where tenant_id = :tenant and phone = :phone and type = 'messaging.optin'
                  and payload -> 'source' is not null""", Map.of("tenant", tenantId, "phone", phone));
    }
}
