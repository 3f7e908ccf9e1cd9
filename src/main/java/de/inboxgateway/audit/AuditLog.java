package de.inboxgateway.audit;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

import de.inboxgateway.support.Text;

/**
 * All SQL on table {@code audit_entry}: the append-only trail of security and consent decisions.
 * An entry joins the caller's transaction when there is one, so an opt-out and its audit entry
 * commit or roll back together.
 */
@Component("auditLog")
public class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public AuditLog(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    public record Entry(Long tenantId, String type, String actor, String channel, String phone, String sourceAddress,
                        Map<String, ?> detail) {
    }

    public void record(Entry e) {
        String detail;
        try {
            detail = Text.cleanJson(mapper.writeValueAsString(e.detail() == null ? Map.of() : e.detail()));
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException(ex);
        }
        jdbc.update("""
                insert into audit_entry (tenant_id, type, actor, channel, phone, source_address, detail)
                values (:tenant, :type, :actor, :channel, :phone, :source, cast(:detail as jsonb))""",
                new MapSqlParameterSource()
                        .addValue("tenant", e.tenantId())
                        .addValue("type", e.type())
                        .addValue("actor", Text.clean(e.actor()))
                        .addValue("channel", e.channel())
                        .addValue("phone", Text.truncate(e.phone(), 64))
                        .addValue("source", e.sourceAddress())
                        .addValue("detail", detail));
    }

    public List<Map<String, Object>> list(long tenantId, String type, java.time.Instant since, int limit) {
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId).addValue("limit", limit);
        StringBuilder sql = new StringBuilder("""
                select id, at, type, actor, channel, phone, source_address, detail::text as detail
                from audit_entry where tenant_id = :tenant""");
        if (type != null) {
            sql.append(" and type = :type");
            p.addValue("type", type);
        }
        if (since != null) {
            sql.append(" and at >= :since");
            p.addValue("since", java.sql.Timestamp.from(since));
        }
        sql.append(" order by id limit :limit");
        return jdbc.queryForList(sql.toString(), p);
    }
}
