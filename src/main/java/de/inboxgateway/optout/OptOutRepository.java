package de.inboxgateway.optout;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.support.Channel;

/** All SQL on table {@code optout}. */
@Repository
public class OptOutRepository implements de.inboxgateway.outbound.OptOutRecorder {

    private final NamedParameterJdbcTemplate jdbc;

    public OptOutRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Records an opt-out unless one is already active for (tenant, channel, phone). Returns the new
     * row's id, or empty when the phone was already opted out (a repeated STOP).
     */
    @Override
    public Optional<Long> recordIfNotActive(long tenantId, Channel channel, String phone, String source,
                                           String sourceMessageId, Instant at) {
        return jdbc.queryForList("""
                insert into optout (tenant_id, channel, phone, created_at, source, source_message_id)
                values (:tenant, :channel, :phone, :at, :source, :sourceMessageId)
                on conflict (tenant_id, channel, phone) where ended_at is null do nothing
                returning id""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("channel", channel.wire())
                .addValue("phone", phone)
                .addValue("at", Timestamp.from(at))
                .addValue("source", source)
                .addValue("sourceMessageId", sourceMessageId), Long.class).stream().findFirst();
    }

    /** Ends the active opt-out with a documented re-consent; its row stays as history. Empty if none was active. */
    public Optional<Long> end(long tenantId, Channel channel, String phone, String source, Instant consentedAt,
                              String note, Instant now) {
        return jdbc.queryForList("""
                update optout set ended_at = :now, end_source = :source, end_consented_at = :consentedAt, end_note = :note
                where tenant_id = :tenant and channel = :channel and phone = :phone and ended_at is null
                returning id""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("channel", channel.wire())
                .addValue("phone", phone)
                .addValue("source", source)
                .addValue("consentedAt", Timestamp.from(consentedAt))
                .addValue("note", note)
                .addValue("now", Timestamp.from(now)), Long.class).stream().findFirst();
    }

    public Optional<Map<String, Object>> findById(long tenantId, long id) {
        return jdbc.queryForList("""
                select id, channel, phone, ended_at is null as active, created_at, source, source_message_id,
                       ended_at, end_source, end_consented_at, end_note
                from optout where tenant_id = :tenant and id = :id""", Map.of("tenant", tenantId, "id", id))
                .stream().findFirst();
    }

    public boolean isActive(long tenantId, Channel channel, String phone) {
        return Boolean.TRUE.equals(jdbc.queryForObject("""
                select exists (select 1 from optout where tenant_id = :tenant and channel = :channel
                               and phone = :phone and ended_at is null)""",
                Map.of("tenant", tenantId, "channel", channel.wire(), "phone", phone), Boolean.class));
    }

    public List<Map<String, Object>> list(long tenantId, Channel channel, String phone) {
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId);
        StringBuilder sql = new StringBuilder("""
                select id, channel, phone, ended_at is null as active, created_at, source, source_message_id,
                       ended_at, end_source, end_consented_at, end_note
                from optout where tenant_id = :tenant""");
        if (channel != null) {
            sql.append(" and channel = :channel");
            p.addValue("channel", channel.wire());
        }
        if (phone != null) {
            sql.append(" and phone = :phone");
            p.addValue("phone", phone);
        }
        sql.append(" order by created_at desc, id desc");
        return jdbc.queryForList(sql.toString(), p);
    }

    /**
     * Erasure: the re-consent's free text about the person goes; the opt-out record and its dates stay
     * (it must go on being honoured), and a documented consent reads {@code erased}. Returns how many.
     */
    public int eraseConsentNotes(long tenantId, String phone) {
        return jdbc.update("""
                update optout set end_note = null, end_source = case when end_source is null then null else 'erased' end
                where tenant_id = :tenant and phone = :phone and (end_note is not null or end_source is not null)
                  and end_source is distinct from 'erased'""", Map.of("tenant", tenantId, "phone", phone));
    }
}
