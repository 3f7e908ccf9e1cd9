package de.inboxgateway.channel.sms;

import de.inboxgateway.normalize.InboundMessage;
import de.inboxgateway.normalize.StatusUpdate;
import de.inboxgateway.normalize.UnrecognizedItem;
import de.inboxgateway.normalize.InboundItem;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.webhook.FormBody;

/** Twilio's forms (the real captures in fixtures/sms) into canonical items, without Spring. */
class TwilioNormalizerTest {

    private static final Instant RECEIVED = Instant.parse("2026-03-02T10:00:00Z");
    private final TwilioNormalizer normalizer = new TwilioNormalizer(new PhoneNumbers(new GatewayProperties()),
            new ObjectMapper());
    private final Map<String, ChannelConfig> channels = Map.of(Fixtures.TWILIO_NUMBER, new ChannelConfig(2, 7, "mueller",
            Channel.SMS, Fixtures.TWILIO_NUMBER, null, Fixtures.ACCOUNT_SID, null,
            new ChannelConfig.Secrets(null, null, null, Fixtures.AUTH_TOKEN), false, Instant.EPOCH, false, null));

    private List<InboundItem> inbound(String fixture) {
        return normalizer.inbound(FormBody.parse(Fixtures.text("sms/" + fixture)), channels, RECEIVED);
    }

    @Test
    void anSmsBecomesOneMessageTimedByItsArrival() {
        InboundMessage m = (InboundMessage) inbound("inbound-sms.form.txt").get(0);
        assertThat(m.channel()).isEqualTo(Channel.SMS);
        assertThat(m.tenantId()).isEqualTo(7);
        assertThat(m.providerMessageId()).startsWith("SM");
        assertThat(m.from()).isEqualTo(Fixtures.ANNA);
        assertThat(m.text()).contains("Lindenstraße 12", "(+ gern per SMS)"); // percent-decoded, + as space
        assertThat(m.to()).isEqualTo(Fixtures.TWILIO_NUMBER);
        assertThat(m.providerTimestamp()).isEqualTo(RECEIVED); // Twilio sends none
        assertThat(m.type()).isEqualTo("text");
        assertThat(m.media()).isEmpty();
        assertThat(m.optOut()).isNull();
        assertThat(m.data().has("NumSegments")).isTrue();
        assertThat(m.data().has("Body")).as("mapped fields are not kept twice").isFalse();
    }

    @Test
    void anMmsCarriesItsMediaUrlsAndTheirTypes() {
        InboundMessage m = (InboundMessage) inbound("inbound-mms.form.txt").get(0);
        assertThat(m.type()).isEqualTo("image");
        assertThat(m.text()).isEqualTo("Foto vom Schimmel im Schlafzimmer");
        assertThat(m.media()).singleElement().satisfies(ref -> {
            assertThat(ref.url()).startsWith("https://api.twilio.com/2010-04-01/Accounts/").contains("/Media/ME");
            assertThat(ref.mimeType()).isEqualTo("image/jpeg");
        });
        assertThat(m.data().has("MediaUrl0")).isFalse();
    }

    @Test
    void twiliosAdvancedOptOutIsAnOptOutWhateverTheKeywordList() {
        InboundMessage m = (InboundMessage) inbound("inbound-stop-advanced-opt-out.form.txt").get(0);
        assertThat(m.optOut()).isEqualTo("provider:twilio-opt-out-type");
    }

    @Test
    void aFormWithoutMessageSidIsKeptAsideNotDropped() {
        List<InboundItem> items = normalizer.inbound(FormBody.parse("From=%2B4915209876543&Body=Hallo"), channels, RECEIVED);
        assertThat(items).singleElement().isInstanceOfSatisfying(UnrecognizedItem.class,
                u -> assertThat(u.kind()).isEqualTo("form-without-message-sid"));
    }

    @Test
    void aStatusCallbackBecomesAStatusUpdateWithItsErrorCode() {
        List<InboundItem> items = normalizer.status(FormBody.parse(Fixtures.text("sms/status-failed.form.txt")),
                channels, RECEIVED);
        assertThat(items).singleElement().isInstanceOfSatisfying(StatusUpdate.class, s -> {
            assertThat(s.status()).isEqualTo("failed");
            assertThat(s.errorCode()).isEqualTo("30008");
            assertThat(s.providerMessageId()).isEqualTo("SM689cf849ae9b494b86384b95f4dc2c94");
        });
    }
}
