package de.inboxgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.Channel;

class SourceBlockerTest {

    @Test
    void aFloodOfNewAddressesCostsAtMostTheBoundNotAFullSweepPerFailure() throws Exception {
        SourceBlocker blocker = new SourceBlocker(Clock.systemUTC(), null, new ClientAddress(new GatewayProperties()),
                new GatewayProperties(), null);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            int flood = SourceBlocker.MAX_TRACKED + 5_000;
            for (int i = 0; i < flood; i++) {
                MockHttpServletRequest request = new MockHttpServletRequest("POST", "/webhooks/sms");
                request.setRemoteAddr("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
                Exchange exchange = new DefaultExchange(camel);
                exchange.getMessage().setHeader("CamelHttpServletRequest", request);
                exchange.setProperty(Exchange.EXCEPTION_CAUGHT,
                        new SignatureInvalidException(Channel.SMS, null, "+4930" + i, "bad signature"));
                blocker.failed(exchange);
            }
            // Bounded, least recently used out first: the newest sources are still counted.
            assertThat(blocker.tracked()).isEqualTo(SourceBlocker.MAX_TRACKED);
        }
    }
}
