package de.inboxgateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DatabaseRoleCheckTest {

    @Test
    void everyRoleThatRowLevelSecurityWouldSkipIsNamedWithTheSetting() {
        assertThat(DatabaseRoleCheck.problem("admin", true, false, 0)).startsWith("spring.datasource.username=admin is a superuser");
        assertThat(DatabaseRoleCheck.problem("x", false, true, 0)).contains("has BYPASSRLS");
        assertThat(DatabaseRoleCheck.problem("x", false, false, 3)).contains("owns 3 of the gateway's tables");
        assertThat(DatabaseRoleCheck.problem("inbox_gateway_app", false, false, 0)).isNull();
    }
}
