package de.inboxgateway.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Secrets published in this repository never protect anything outside the dev profile. */
class StartupChecksTest {

    private static GatewayProperties with(String adminToken, String secretsKey) {
        GatewayProperties p = new GatewayProperties();
        p.setAdminToken(adminToken);
        p.setSecretsKey(secretsKey);
        return p;
    }

    @Test
    void theDevProfilesValuesStopAStartOutsideTheDevProfile() {
        assertThatThrownBy(() -> StartupChecks.refuseKnownSecrets(with("dev-admin-token-change-me", "own"), false))
                .hasMessageContaining("gateway.admin-token");
        assertThatThrownBy(() -> StartupChecks.refuseKnownSecrets(with("local-admin-token-change-me", "own"), false))
                .hasMessageContaining("gateway.admin-token");
        assertThatThrownBy(() -> StartupChecks.refuseKnownSecrets(
                with("an-own-token-of-some-length", "ZGV2LW9ubHktc2VjcmV0cy1rZXktMzItYnl0ZXMhISE="), false))
                .hasMessageContaining("gateway.secrets-key");
    }

    @Test
    void theDevProfileAndOwnValuesStart() {
        assertThatCode(() -> StartupChecks.refuseKnownSecrets(with("dev-admin-token-change-me",
                "ZGV2LW9ubHktc2VjcmV0cy1rZXktMzItYnl0ZXMhISE="), true)).doesNotThrowAnyException();
        assertThatCode(() -> StartupChecks.refuseKnownSecrets(with("an-own-token-of-some-length", "b3du"), false))
                .doesNotThrowAnyException();
    }
}
