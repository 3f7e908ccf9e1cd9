package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;
import de.inboxgateway.channel.whatsapp.HubSignature;

/**
 * Repeated bad signatures block their source address for the number they claim (behind the
 * trusted test proxy: X-Forwarded-For); the providers' shared addresses stay open for other numbers.
 */
class SourceBlockingIT extends GatewayTest {

    @org.springframework.beans.factory.annotation.Autowired
    de.inboxgateway.webhook.RejectedWebhooks rejected;

    @BeforeEach
    void provision() {
        fixtureTenant();
        otherTenant();
    }

    private Http.Response from(String address, byte[] body, String signature) {
        return http.post("/webhooks/whatsapp", body, "Content-Type", "application/json", "X-Hub-Signature-256", signature,
                "X-Forwarded-For", address);
    }

    @Test
    void tenBadSignaturesBlockThatSourceOnlyAndAreAudited() {
        byte[] body = Fixtures.bytes("whatsapp/text-message.json");
        String good = Fixtures.hubSignature("whatsapp/text-message.json");
        String bad = HubSignature.sign("guess", body);
        for (int i = 0; i < 10; i++) {
            assertThat(from("203.0.113.7", body, bad).status()).isEqualTo(401);
        }

        Http.Response blocked = from("203.0.113.7", body, bad);
        assertThat(blocked.status()).isEqualTo(429);
        assertThat(blocked.code()).isEqualTo("SOURCE_BLOCKED");
        assertThat(blocked.headers().firstValue("Retry-After")).isPresent();
        // A valid signature is never blocked: it is verified before the block is looked at, so bogus
        // requests naming a tenant's number cannot lock out that number's real webhooks.
        assertThat(from("203.0.113.7", body, good).status()).isEqualTo(200);
        assertThat(count("select count(*) from message")).isEqualTo(1);
        // Another source is not affected, and neither is an SMS from elsewhere.
        assertThat(from("203.0.113.8", body, good).status()).isEqualTo(200);
        assertThat(postTwilioFixture("/webhooks/sms", "sms/inbound-sms.form.txt").status()).isEqualTo(200);
        // The same (shared provider) address still delivers for another tenant's number.
        byte[] other = whatsappText(OTHER_PHONE_NUMBER_ID, "4917611111111", "wamid.other-1", 1772445600L, "hallo")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(from("203.0.113.7", other, HubSignature.sign(OTHER_APP_SECRET, other)).status()).isEqualTo(200);

        Map<String, Object> audit = jdbc.queryForMap("select * from audit_entry where type = 'webhook.source-blocked'");
        assertThat(audit.get("source_address")).isEqualTo("203.0.113.7");
        assertThat(audit.get("detail").toString()).contains(Fixtures.PHONE_NUMBER_ID);
        // Ten failures of one source in one minute: one full entry at once, then one with the count.
        assertThat(count("select count(*) from audit_entry where type = 'webhook.signature-invalid' and source_address = '203.0.113.7'"))
                .isEqualTo(1);
        // The block ends after its time (gateway.webhooks.block.duration, 10 minutes).
        clock.set(java.time.Instant.now().plus(java.time.Duration.ofMinutes(11)));
        rejected.flush(); // job source-blocks-purge
        assertThat(jdbc.queryForObject("select (detail ->> 'count')::int from audit_entry "
                + "where type = 'webhook.signature-invalid.repeated' and source_address = '203.0.113.7'", Integer.class))
                .isEqualTo(9);
        assertThat(from("203.0.113.7", body, bad).status()).isEqualTo(401);
    }

    @Test
    void someoneElsesNumberPointedAtUsBlocksOnlyThatNumber() {
        // An outsider's own Twilio number aims its webhook here: the failures come from Twilio's address.
        for (int i = 0; i < 12; i++) {
            postTwilioSigned("/webhooks/sms", Map.of("MessageSid", String.format("SMx%031d", i), "From", "+4917611111111",
                    "To", "+4930999999999", "Body", "x", "AccountSid", Fixtures.ACCOUNT_SID), "their-token");
        }
        assertThat(count("select count(*) from audit_entry where type = 'webhook.source-blocked'")).isEqualTo(1);
        // Twilio, from that same address, still reaches every real tenant.
        assertThat(postTwilioFixture("/webhooks/sms", "sms/inbound-sms.form.txt").status()).isEqualTo(200);
        assertThat(postTwilioFixture("/webhooks/sms/status", "sms/status-delivered.form.txt").status()).isEqualTo(200);
    }

    @Test
    void fewerFailuresThanTheLimitDoNotBlock() {
        // The failures name the same number as the good webhook, so they count under its key.
        byte[] body = Fixtures.bytes("whatsapp/text-message.json");
        String good = Fixtures.hubSignature("whatsapp/text-message.json");
        String bad = HubSignature.sign("guess", body);
        for (int i = 0; i < 9; i++) {
            assertThat(from("198.51.100.1", body, bad).status()).isEqualTo(401);
        }
        assertThat(from("198.51.100.1", body, good).status()).isEqualTo(200);
        // …and they did count: the tenth blocks further failures, never a valid signature.
        assertThat(from("198.51.100.1", body, bad).status()).isEqualTo(401);
        assertThat(from("198.51.100.1", body, bad).status()).isEqualTo(429);
        assertThat(from("198.51.100.1", Fixtures.bytes("whatsapp/status-read.json"),
                Fixtures.hubSignature("whatsapp/status-read.json")).status()).isEqualTo(200);
    }

    @Test
    void bogusSmsNamingATenantsNumberNeverBlockTwiliosRealWebhooks() {
        // Behind one proxy every request has the same address: ten forged posts for mueller's number…
        for (int i = 0; i < 10; i++) {
            assertThat(postTwilioSigned("/webhooks/sms", Map.of("MessageSid", String.format("SMf%031d", i),
                    "From", "+4917611111111", "To", Fixtures.TWILIO_NUMBER, "Body", "x",
                    "AccountSid", Fixtures.ACCOUNT_SID), "forged-token").status()).isEqualTo(401);
        }
        assertThat(postTwilioSigned("/webhooks/sms", Map.of("MessageSid", String.format("SMf%031d", 99),
                "From", "+4917611111111", "To", Fixtures.TWILIO_NUMBER, "Body", "x",
                "AccountSid", Fixtures.ACCOUNT_SID), "forged-token").status()).isEqualTo(429);
        // …and Twilio's real, signed webhooks for that number still arrive.
        assertThat(postTwilioFixture("/webhooks/sms", "sms/inbound-sms.form.txt").status()).isEqualTo(200);
        assertThat(postTwilioFixture("/webhooks/sms/status", "sms/status-delivered.form.txt").status()).isEqualTo(200);
        // The rejection reason names the path, never the caller's query string.
        assertThat(jdbc.queryForList("select detail::text from audit_entry where type = 'webhook.signature-invalid'",
                String.class)).allSatisfy(detail -> assertThat(detail).contains("/webhooks/sms").doesNotContain("?"));
    }

    @Test
    void aClaimedNumberCannotForgeLogLines() {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(de.inboxgateway.webhook.RejectedWebhooks.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen =
                new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            String forged = "1\\n2026-11-30 INFO de.inboxgateway admin token accepted\\u2028";
            byte[] body = whatsappText(forged, "4917611111111", "wamid.forged", 1772445600L, "x").getBytes(StandardCharsets.UTF_8);
            assertThat(from("192.0.2.50", body, HubSignature.sign("guess", body)).status()).isEqualTo(401);
            assertThat(seen.list).hasSize(1);
            String line = seen.list.get(0).getFormattedMessage();
            assertThat(line).contains("1\\u000a2026-11-30 INFO").doesNotContain("\n", "\u2028");
        } finally {
            logger.detachAppender(seen);
        }
    }

    @Test
    void unsignedNoiseFromOneAddressIsThrottledBeforeParsingAndBarelyAudited() {
        byte[] body = Fixtures.bytes("whatsapp/text-message.json");
        for (int i = 0; i < 10; i++) {
            assertThat(http.post("/webhooks/whatsapp", body, "Content-Type", "application/json",
                    "X-Forwarded-For", "198.51.100.9").status()).isEqualTo(401);
        }
        Http.Response throttled = http.post("/webhooks/whatsapp", "{not even json".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json", "X-Forwarded-For", "198.51.100.9");
        assertThat(throttled.status()).isEqualTo(429); // before the body is parsed: not a 400
        assertThat(throttled.code()).isEqualTo("SOURCE_BLOCKED");
        // The trail holds one entry for the noise, not ten (and the count once the minute is over)…
        assertThat(count("select count(*) from audit_entry where source_address = '198.51.100.9' "
                + "and type = 'webhook.signature-invalid'")).isEqualTo(1);
        clock.set(java.time.Instant.now().plus(java.time.Duration.ofMinutes(2)));
        rejected.flush();
        assertThat(count("select count(*) from audit_entry where source_address = '198.51.100.9' "
                + "and type = 'webhook.signature-invalid.repeated'")).isEqualTo(1);
        clock.reset();
        // …and a correctly signed webhook from that address still gets through.
        assertThat(from("198.51.100.9", body, Fixtures.hubSignature("whatsapp/text-message.json")).status()).isEqualTo(200);
    }
}
