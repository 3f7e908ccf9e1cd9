package de.inboxgateway.config;

import java.util.Map;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Row-level security is the last line between tenants, and PostgreSQL skips it without a word for a
 * superuser, a BYPASSRLS role or a table's owner. So the gateway refuses to start as such a role,
 * naming the setting, instead of running with every tenant visible to every query.
 */
@Component
public class DatabaseRoleCheck implements InitializingBean {

    private final JdbcTemplate jdbc;

    public DatabaseRoleCheck(JdbcTemplate jdbc,
                             org.springframework.beans.factory.ObjectProvider<
                                     org.springframework.boot.autoconfigure.flyway.FlywayMigrationInitializer> migration) {
        this.jdbc = jdbc;
        migration.getIfAvailable(); // the role and the tables exist only after the migration has run
    }

    @Override
    public void afterPropertiesSet() {
        Map<String, Object> role = jdbc.queryForMap("""
                select current_user as name, r.rolsuper as superuser, r.rolbypassrls as bypass,
                       (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                         where n.nspname = current_schema() and c.relkind in ('r', 'p')
                           and pg_has_role(current_user, c.relowner, 'USAGE')) as owned
                from pg_roles r where r.rolname = current_user""");
        String problem = problem((String) role.get("name"), (Boolean) role.get("superuser"), (Boolean) role.get("bypass"),
                ((Number) role.get("owned")).longValue());
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
    }

    static String problem(String name, boolean superuser, boolean bypassRls, long ownedTables) {
        String why = superuser ? "is a superuser" : bypassRls ? "has BYPASSRLS"
                : ownedTables > 0 ? "owns " + ownedTables + " of the gateway's tables" : null;
        return why == null ? null : "spring.datasource.username=" + name + " " + why + ", so PostgreSQL would not apply "
                + "row-level security to it and every tenant would see every other: refusing to start. Connect as "
                + "the role the migration creates (inbox_gateway_app), which owns no table.";
    }
}
