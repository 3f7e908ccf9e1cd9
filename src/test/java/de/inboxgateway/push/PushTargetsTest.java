package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;

import org.junit.jupiter.api.Test;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.ApiException;

/** Which push targets are refused (SSRF), by URL and by resolved address. */
class PushTargetsTest {

    private static PushTargets targets(boolean allowHttp, boolean allowPrivate) {
        GatewayProperties p = new GatewayProperties();
        p.getPush().setAllowHttp(allowHttp);
        p.getPush().setAllowPrivateTargets(allowPrivate);
        return new PushTargets(p);
    }

    @Test
    void internalAddressesAreRecognised() throws Exception {
        for (String internal : new String[] {"127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::",
                "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1"}) {
            assertThat(PushTargets.isInternal(InetAddress.getByName(internal))).as(internal).isTrue();
        }
        for (String external : new String[] {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2a00:1450:4001::200e",
                "::ffff:8.8.8.8"}) {
            assertThat(PushTargets.isInternal(InetAddress.getByName(external))).as(external).isFalse();
        }
    }

    @Test
    void onlyHttpsUnlessHttpIsAllowed() {
        assertThatThrownBy(() -> targets(false, true).check("http://127.0.0.1/hook"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("INVALID_REQUEST"))
                .hasMessageContaining("https");
        assertThat(targets(true, true).check("http://127.0.0.1:9/hook")).isEqualTo("http://127.0.0.1:9/hook");
        assertThatThrownBy(() -> targets(true, true).check("ftp://127.0.0.1/hook")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> targets(true, true).check("http://user:pw@127.0.0.1/hook")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> targets(true, true).check("not a url")).isInstanceOf(ApiException.class);
    }

    @Test
    void aNameThatResolvesInsideIsRefusedAtCreationAndAtConnect() {
        PushTargets strict = targets(false, false);
        assertThatThrownBy(() -> strict.check("https://localhost/hook")).isInstanceOf(ApiException.class)
                .hasMessageContaining("127.0.0.1");
        assertThatThrownBy(() -> strict.check("https://[::1]/hook")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> strict.check("https://10.0.0.5/hook")).isInstanceOf(ApiException.class);
        // what the HTTP client asks at every connect
        assertThatThrownBy(() -> strict.dnsResolver().resolve("localhost"))
                .isInstanceOf(PushTargets.RefusedTargetException.class);
        assertThatThrownBy(() -> strict.dnsResolver().resolve("169.254.169.254"))
                .isInstanceOf(PushTargets.RefusedTargetException.class);
    }
}
