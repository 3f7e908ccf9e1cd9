package de.inboxgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

class ClientAddressTest {

    private static MockHttpServletRequest request(String peer, String forwarded) {
        MockHttpServletRequest r = new MockHttpServletRequest();
        r.setRemoteAddr(peer);
        if (forwarded != null) {
            r.addHeader("X-Forwarded-For", forwarded);
        }
        return r;
    }

    @Test
    void forwardedForIsBelievedOnlyFromATrustedProxy() {
        List<String> trusted = List.of("10.0.0.5");
        assertThat(ClientAddress.of(request("198.51.100.9", "203.0.113.7"), trusted)).isEqualTo("198.51.100.9");
        assertThat(ClientAddress.of(request("10.0.0.5", "203.0.113.7"), trusted)).isEqualTo("203.0.113.7");
        // A client cannot hide behind a forged first hop: the rightmost untrusted address counts.
        assertThat(ClientAddress.of(request("10.0.0.5", "1.2.3.4, 203.0.113.7"), trusted)).isEqualTo("203.0.113.7");
        assertThat(ClientAddress.of(request("10.0.0.5", "203.0.113.7, 10.0.0.5"), trusted)).isEqualTo("203.0.113.7");
        assertThat(ClientAddress.of(request("10.0.0.5", null), trusted)).isEqualTo("10.0.0.5");
        assertThat(ClientAddress.of(request("10.0.0.5", "203.0.113.7"), List.of())).isEqualTo("10.0.0.5");
    }
}
