package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;

/**
 * The gateway's own database access runs as a role that owns no table, under row-level security:
 * a query that forgets "where tenant_id = …" returns only the current tenant's rows, and nothing at
 * all when no tenant is set.
 */
class RowLevelSecurityIT extends GatewayTest {

    @Autowired
    NamedParameterJdbcTemplate gatewayJdbc; // the gateway's, not the test's owner connection

    @Test
    void aForgottenTenantConditionReturnsNothingOfAnotherTenant() {
        fixtureTenant();
        otherTenant();
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.rls-1",
                Instant.now().getEpochSecond(), "Müller"), Fixtures.APP_SECRET);
        postWhatsappSigned(whatsappText(OTHER_PHONE_NUMBER_ID, "4917612345678", "wamid.rls-2",
                Instant.now().getEpochSecond(), "Schmidt"), OTHER_APP_SECRET);
        long mueller = jdbc.queryForObject("select id from tenant where slug = 'mueller'", Long.class);
        long schmidt = jdbc.queryForObject("select id from tenant where slug = 'schmidt'", Long.class);
        assertThat(count("select count(*) from message")).isEqualTo(2); // the owner sees both

        assertThat(gatewayJdbc.queryForObject("select current_user", Map.of(), String.class)).isEqualTo("inbox_gateway_app");
        assertThat(jdbc.queryForObject("select tableowner from pg_tables where tablename = 'message'", String.class))
                .isNotEqualTo("inbox_gateway_app");
        try {
            TenantScope.set(mueller);
            // Deliberately no tenant condition: row-level security adds it.
            assertThat(gatewayJdbc.queryForList("select text from message", Map.of(), String.class)).containsExactly("Müller");
            assertThat(gatewayJdbc.queryForObject("select count(*) from conversation", Map.of(), Long.class)).isEqualTo(1);
            assertThat(gatewayJdbc.queryForObject("select count(*) from channel", Map.of(), Long.class)).isEqualTo(2);
            assertThat(gatewayJdbc.update("update message set text = 'überschrieben'", Map.of())).isEqualTo(1);
            assertThatThrownBy(() -> gatewayJdbc.update("insert into optout (tenant_id, channel, phone, source) "
                    + "values (:t, 'sms', '+4917612345678', 'x')", Map.of("t", schmidt))).rootCause().hasMessageContaining("row-level security");

            TenantScope.clear();
            assertThat(gatewayJdbc.queryForObject("select count(*) from message", Map.of(), Long.class)).isZero();
            assertThat(gatewayJdbc.queryForObject("select count(*) from api_key", Map.of(), Long.class)).isZero();
            assertThatThrownBy(() -> gatewayJdbc.update("delete from audit_entry", Map.of())).rootCause().hasMessageContaining("permission denied");
        } finally {
            TenantScope.clear();
        }
        assertThat(jdbc.queryForObject("select text from message where tenant_id = ?", String.class, schmidt)).isEqualTo("Schmidt");
    }
}
