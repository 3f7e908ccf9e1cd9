package de.inboxgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.mock.web.MockHttpServletRequest;

import de.inboxgateway.config.GatewayProperties;

class ClientAddressTest {

    private static MockHttpServletRequest request(String peer, String forwardedFor) {
        MockHttpServletRequest r = new MockHttpServletRequest("POST", "/webhooks/sms");
        r.setRemoteAddr(peer);
        if (forwardedFor != null) {
            r.addHeader("X-Forwarded-For", forwardedFor);
        }
        return r;
    }

    @Test
    void forwardedForCountsOnlyFromATrustedProxyAndFromTheRight() {
        List<String> trusted = List.of("10.0.0.2");
        assertThat(ClientAddress.of(request("203.0.113.9", "198.51.100.1"), trusted)).isEqualTo("203.0.113.9");
        assertThat(ClientAddress.of(request("10.0.0.2", "6.6.6.6, 198.51.100.1"), trusted)).isEqualTo("198.51.100.1");
        assertThat(ClientAddress.of(request("10.0.0.2", null), trusted)).isEqualTo("10.0.0.2");
    }

    @Test
    void anUntrustedPeerSendingForwardedForIsWarnedAboutOnce() {
        Logger logger = (Logger) LoggerFactory.getLogger(ClientAddress.class);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            ClientAddress addresses = new ClientAddress(new GatewayProperties()); // trusted-proxies: none
            addresses.warnOnceIfProxiedButNotTrusted(request("127.0.0.1", null));
            assertThat(seen.list).isEmpty();
            addresses.warnOnceIfProxiedButNotTrusted(request("127.0.0.1", "198.51.100.1"));
            addresses.warnOnceIfProxiedButNotTrusted(request("127.0.0.1", "198.51.100.2"));
            assertThat(seen.list).hasSize(1);
            assertThat(seen.list.get(0).getFormattedMessage()).contains("127.0.0.1", "gateway.webhooks.trusted-proxies");
        } finally {
            logger.detachAppender(seen);
        }
    }
}
