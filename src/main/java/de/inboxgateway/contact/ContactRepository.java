package de.inboxgateway.contact;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** All SQL on tables {@code contact} and {@code contact_phone}. */
@Repository
public class ContactRepository {

    private final NamedParameterJdbcTemplate jdbc;

    public ContactRepository(NamedParameterJdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public record Contact(String externalId, String name, String role, String unitRef, List<String> phones,
                          Instant createdAt, Instant updatedAt) {
    }

    public record Upserted(Contact contact, boolean created) {
    }

    /**
     * Creates or replaces a contact and its phone numbers in one transaction. A phone that belonged
     * to another contact of the tenant moves to this one: the ERP's latest word wins.
     */
    @Transactional
    public Upserted upsert(long tenantId, String externalId, String name, String role, String unitRef,
                           List<String> phones, Instant now) {
        var row = jdbc.queryForMap("""
                insert into contact as k (tenant_id, external_id, name, role, unit_ref, created_at, updated_at)
                values (:tenant, :externalId, :name, :role, :unitRef, :now, :now)
                on conflict (tenant_id, external_id) do update
                   set name = excluded.name, role = excluded.role, unit_ref = excluded.unit_ref,
                       updated_at = excluded.updated_at
                returning id, (xmax = 0) as created""", new MapSqlParameterSource()
                .addValue("tenant", tenantId)
                .addValue("externalId", externalId)
                .addValue("name", name)
                .addValue("role", role)
                .addValue("unitRef", unitRef)
                .addValue("now", Timestamp.from(now)));
        long id = ((Number) row.get("id")).longValue();
        MapSqlParameterSource p = new MapSqlParameterSource("tenant", tenantId).addValue("contact", id);
        if (phones.isEmpty()) {
            jdbc.update("delete from contact_phone where tenant_id = :tenant and contact_id = :contact", p);
        } else {
            p.addValue("phones", phones);
            jdbc.update("""
                    delete from contact_phone
                    where tenant_id = :tenant and contact_id = :contact and phone not in (:phones)""", p);
            for (String phone : phones) {
                jdbc.update("""
                        insert into contact_phone (tenant_id, phone, contact_id) values (:tenant, :phone, :contact)
                        on conflict (tenant_id, phone) do update set contact_id = excluded.contact_id""",
                        new MapSqlParameterSource("tenant", tenantId).addValue("phone", phone).addValue("contact", id));
            }
        }
        return new Upserted(find(tenantId, externalId).orElseThrow(), (Boolean) row.get("created"));
    }

    public Optional<Contact> find(long tenantId, String externalId) {
        return jdbc.query("""
                select k.external_id, k.name, k.role, k.unit_ref, k.created_at, k.updated_at,
                       coalesce(array_agg(p.phone order by p.phone) filter (where p.phone is not null), '{}') as phones
                from contact k left join contact_phone p on p.contact_id = k.id and p.tenant_id = k.tenant_id
                where k.tenant_id = :tenant and k.external_id = :externalId
                group by k.id""", Map.of("tenant", tenantId, "externalId", externalId),
                (rs, n) -> new Contact(rs.getString("external_id"), rs.getString("name"), rs.getString("role"),
                        rs.getString("unit_ref"), List.of((String[]) rs.getArray("phones").getArray()),
                        rs.getTimestamp("created_at").toInstant(), rs.getTimestamp("updated_at").toInstant()))
                .stream().findFirst();
    }

    /** Removes the contact and its phone numbers (they cascade); conversations keep their phone only. */
    public boolean delete(long tenantId, String externalId) {
        return jdbc.update("delete from contact where tenant_id = :tenant and external_id = :externalId",
                Map.of("tenant", tenantId, "externalId", externalId)) == 1;
    }
}
