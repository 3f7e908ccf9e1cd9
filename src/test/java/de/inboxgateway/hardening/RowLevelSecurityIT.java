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
        TenantScope.as(mueller, () -> {
            // Deliberately no tenant condition: row-level security adds it.
            assertThat(gatewayJdbc.queryForList("select text from message", Map.of(), String.class)).containsExactly("Müller");
            assertThat(gatewayJdbc.queryForObject("select count(*) from conversation", Map.of(), Long.class)).isEqualTo(1);
            assertThat(gatewayJdbc.queryForObject("select count(*) from channel", Map.of(), Long.class)).isEqualTo(2);
            assertThat(gatewayJdbc.update("update message set text = 'überschrieben'", Map.of())).isEqualTo(1);
            assertThatThrownBy(() -> gatewayJdbc.update("insert into optout (tenant_id, channel, phone, source) "
                    + "values (:t, 'sms', '+4917612345678', 'x')", Map.of("t", schmidt))).rootCause().hasMessageContaining("row-level security");

        });
        // Outside any scope: nothing at all.
        assertThat(gatewayJdbc.queryForObject("select count(*) from message", Map.of(), Long.class)).isZero();
        assertThat(gatewayJdbc.queryForObject("select count(*) from api_key", Map.of(), Long.class)).isZero();
        assertThatThrownBy(() -> gatewayJdbc.update("delete from audit_entry", Map.of())).rootCause().hasMessageContaining("permission denied");
        assertThat(jdbc.queryForObject("select text from message where tenant_id = ?", String.class, schmidt)).isEqualTo("Schmidt");
    }

    @Autowired
    org.apache.camel.CamelContext camel;

    /**
     * A bean in a route that sets no scope and forgets the tenant condition still sees only the tenant
     * its exchange was bound to, on whichever thread it runs (here after a hop to another thread).
     */
    @Test
    void aBeanThatForgetsTheTenantInARouteSeesOnlyItsExchangesTenant() throws Exception {
        fixtureTenant();
        otherTenant();
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.rls-3",
                Instant.now().getEpochSecond(), "Müller"), Fixtures.APP_SECRET);
        postWhatsappSigned(whatsappText(OTHER_PHONE_NUMBER_ID, "4917612345678", "wamid.rls-4",
                Instant.now().getEpochSecond(), "Schmidt"), OTHER_APP_SECRET);
        long schmidt = jdbc.queryForObject("select id from tenant where slug = 'schmidt'", Long.class);
        camel.addRoutes(new org.apache.camel.builder.RouteBuilder() {
            @Override
            public void configure() {
                from("direct:rls-forgetful").routeId("rls-forgetful")
                        .process(e -> TenantScope.bind(e, e.getMessage().getHeader("tenant", Long.class)))
                        .threads(1) // the rest runs on another thread
                        .process(e -> e.getMessage().setBody(gatewayJdbc.queryForList("select text from message", Map.of(),
                                String.class))); // a bean that forgot: no scope set, no tenant condition
                from("direct:rls-unbound").routeId("rls-unbound")
                        .process(e -> e.getMessage().setBody(gatewayJdbc.queryForList("select text from message", Map.of(),
                                String.class)));
            }
        });
        try (org.apache.camel.ProducerTemplate producer = camel.createProducerTemplate()) {
            assertThat(producer.requestBodyAndHeader("direct:rls-forgetful", null, "tenant", schmidt, java.util.List.class))
                    .containsExactly("Schmidt");
            assertThat(producer.requestBody("direct:rls-unbound", null, java.util.List.class))
                    .as("an exchange bound to no tenant sees no tenant's rows").isEmpty();
        } finally {
            for (String id : java.util.List.of("rls-forgetful", "rls-unbound")) {
                camel.getRouteController().stopRoute(id);
                camel.removeRoute(id);
            }
        }
        assertThat(TenantScope.current()).as("the test thread carries no tenant afterwards").isEmpty();
    }

    @Test
    void theGatewayRefusesToStartAsARoleThatRowLevelSecurityWouldNotApplyTo() {
        // postgres is a superuser (and owns the tables): RLS would be silently off for it.
        assertThatThrownBy(() -> new org.springframework.boot.builder.SpringApplicationBuilder(
                de.inboxgateway.InboxGatewayApplication.class).run(anotherGateway("--spring.datasource.username=postgres")))
                .hasStackTraceContaining("spring.datasource.username=postgres is a superuser")
                .hasStackTraceContaining("refusing to start");
    }
}
