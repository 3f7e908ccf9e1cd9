package de.inboxgateway.tenant;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.support.ApiException;

/** All SQL on table {@code tenant}. */
@Repository
public class TenantRepository {

    private final NamedParameterJdbcTemplate jdbc;

    public TenantRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Tenant create(String slug, String name) {
        try {
            return jdbc.queryForObject("""
                    insert into tenant (slug, name) values (:slug, :name)
                    returning id, slug, name, optout_confirmation_text, created_at""", Map.of("slug", slug, "name", name), TenantRepository::map);
        } catch (DuplicateKeyException e) {
            throw ApiException.conflict("ALREADY_EXISTS", "a tenant with slug '" + slug + "' exists");
        }
    }

    public Optional<Tenant> findBySlug(String slug) {
        return jdbc.query("select id, slug, name, optout_confirmation_text, created_at from tenant where slug = :slug",
                Map.of("slug", slug), TenantRepository::map).stream().findFirst();
    }

    /** The slug of a tenant by id (the tenant in an event frame). */
    public String slug(long id) {
        return jdbc.queryForObject("select slug from tenant where id = :id", Map.of("id", id), String.class);
    }

    public Tenant require(String slug) {
        return findBySlug(slug).orElseThrow(() -> ApiException.notFound("no tenant '" + slug + "'"));
    }

    /** Null arguments leave a column as it is; an empty confirmation text returns to the default. */
    public void update(long id, String name, String optOutConfirmationText) {
        jdbc.update("""
                update tenant set name = coalesce(:name, name),
                       optout_confirmation_text = case when :text::text is null then optout_confirmation_text
                                                       else nullif(:text::text, '') end
                where id = :id""", new org.springframework.jdbc.core.namedparam.MapSqlParameterSource("id", id)
                .addValue("name", name).addValue("text", optOutConfirmationText));
    }

    /** The confirmation text of a tenant, or null for the default. */
    public String optOutConfirmationText(long id) {
        return jdbc.queryForObject("select optout_confirmation_text from tenant where id = :id", Map.of("id", id),
                String.class);
    }

    public List<Tenant> list() {
        return jdbc.query("select id, slug, name, optout_confirmation_text, created_at from tenant order by slug", TenantRepository::map);
    }

    private static Tenant map(ResultSet rs, int row) throws SQLException {
        return new Tenant(rs.getLong("id"), rs.getString("slug"), rs.getString("name"),
                rs.getString("optout_confirmation_text"), rs.getTimestamp("created_at").toInstant());
    }
}
