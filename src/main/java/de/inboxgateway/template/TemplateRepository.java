package de.inboxgateway.template;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.support.Rows;

/** All SQL on table {@code template}. */
@Repository
public class TemplateRepository {

    private final NamedParameterJdbcTemplate jdbc;
    private final ObjectMapper mapper;

    public TemplateRepository(NamedParameterJdbcTemplate jdbc, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.mapper = mapper;
    }

    /**
     * Stores what one full sync of a WhatsApp Business Account listed; templates it no longer lists
     * are gone at Meta and go here too. Returns how many were removed. A status that a webhook set
     * after the sync began ({@code startedAt}) is newer than the list and stays.
     */
    @org.springframework.transaction.annotation.Transactional
    public int replaceAll(long tenantId, String wabaId, List<Template> listed, Instant startedAt, Instant now) {
        for (Template t : listed) {
            jdbc.update("""
                    insert into template (tenant_id, waba_id, provider_id, name, language, status, category,
                                          parameter_format, components, synced_at, updated_at)
                    values (:tenant, :waba, :providerId, :name, :language, :status, :category, :format,
                            cast(:components as jsonb), :now, :now)
                    on conflict (tenant_id, waba_id, name, language) do update
                       set provider_id = excluded.provider_id,
                           status = case when template.updated_at > :startedAt then template.status else excluded.status end,
                           category = excluded.category,
                           parameter_format = excluded.parameter_format, components = excluded.components,
                           synced_at = excluded.synced_at,
                           updated_at = case when template.status is distinct from excluded.status
                                               or template.components is distinct from excluded.components
                                             then excluded.updated_at else template.updated_at end""",
                    new MapSqlParameterSource().addValue("tenant", tenantId).addValue("waba", wabaId)
                            .addValue("providerId", t.providerId()).addValue("name", t.name())
                            .addValue("language", t.language()).addValue("status", t.status())
                            .addValue("category", t.category()).addValue("format", t.parameterFormat())
                            .addValue("components", json(t)).addValue("now", Timestamp.from(now))
                            .addValue("startedAt", Timestamp.from(startedAt)));
        }
        MapSqlParameterSource p = new MapSqlParameterSource().addValue("tenant", tenantId).addValue("waba", wabaId);
        if (listed.isEmpty()) {
            return jdbc.update("delete from template where tenant_id = :tenant and waba_id = :waba", p);
        }
        List<Object[]> keep = listed.stream().map(t -> new Object[] {t.name(), t.language()}).toList();
        return jdbc.update("""
                delete from template where tenant_id = :tenant and waba_id = :waba
                   and (name, language) not in (:keep)""", p.addValue("keep", keep));
    }

    private static final String SELECT = """
            select waba_id, provider_id, name, language, status, category, parameter_format, components::text,
                   reason, synced_at, updated_at
            from template where tenant_id = :tenant""";

    /** The templates of these accounts of the tenant (an account no longer named by a channel lists nothing). */
    public List<Template> list(long tenantId, List<String> wabaIds, String status) {
        if (wabaIds.isEmpty()) {
            return List.of();
        }
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId).addValue("wabas", wabaIds);
        String sql = SELECT + " and waba_id in (:wabas)";
        if (status != null) {
            sql += " and status = :status";
            p.addValue("status", status);
        }
        return jdbc.query(sql + " order by name, language, waba_id", p, this::map);
    }

    /** The template of this name and language among the given WhatsApp Business Accounts of the tenant. */
    public Optional<Template> find(long tenantId, List<String> wabaIds, String name, String language) {
        if (wabaIds.isEmpty()) {
            return Optional.empty();
        }
        return jdbc.query(SELECT + " and waba_id in (:wabas) and name = :name and language = :language order by waba_id",
                new MapSqlParameterSource("tenant", tenantId).addValue("wabas", wabaIds).addValue("name", name)
                        .addValue("language", language), this::map).stream().findFirst();
    }

    /** The stored status of a template of the tenant (any of its accounts), if it is stored. */
    public Optional<String> status(long tenantId, String name, String language) {
        return jdbc.queryForList("""
                select status from template where tenant_id = :tenant and name = :name and language = :language
                order by (status = 'APPROVED') desc limit 1""",
                Map.of("tenant", tenantId, "name", name, "language", language), String.class).stream().findFirst();
    }

    /** Meta's status webhook: the stored template of that name and language moves. False if none is stored. */
    public boolean updateStatus(long tenantId, String wabaId, String name, String language, String status,
                                String reason, Instant now) {
        return jdbc.update("""
                update template set status = :status, reason = :reason, updated_at = :now
                where tenant_id = :tenant and waba_id = :waba and name = :name and language = :language""",
                new MapSqlParameterSource().addValue("tenant", tenantId).addValue("waba", wabaId).addValue("name", name)
                        .addValue("language", language).addValue("status", status).addValue("reason", reason)
                        .addValue("now", Timestamp.from(now))) > 0;
    }

    private Template map(ResultSet rs, int row) throws SQLException {
        try {
            return new Template(rs.getString("waba_id"), rs.getString("provider_id"), rs.getString("name"),
                    rs.getString("language"), rs.getString("status"), rs.getString("category"),
                    rs.getString("parameter_format"), mapper.readTree(rs.getString("components")), rs.getString("reason"),
                    Rows.instant(rs, "synced_at"), Rows.instant(rs, "updated_at"));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("template " + rs.getString("name") + ": unreadable components", e);
        }
    }

    private String json(Template t) {
        try {
            return mapper.writeValueAsString(t.components());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
