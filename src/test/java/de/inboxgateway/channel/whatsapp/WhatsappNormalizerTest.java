package de.inboxgateway.channel.whatsapp;

import de.inboxgateway.normalize.InboundMessage;
import de.inboxgateway.normalize.StatusUpdate;
import de.inboxgateway.normalize.UnrecognizedItem;
import de.inboxgateway.normalize.InboundItem;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.PhoneNumbers;
import de.inboxgateway.tenant.ChannelConfig;
import de.inboxgateway.testing.Fixtures;

/** Spring-free: every fixture through the normalizer. */
class WhatsappNormalizerTest {

    private final WhatsappNormalizer normalizer = new WhatsappNormalizer(new PhoneNumbers(new GatewayProperties()));
    private final Map<String, ChannelConfig> channels = Map.of(Fixtures.PHONE_NUMBER_ID, new ChannelConfig(1, 7, "mueller",
            Channel.WHATSAPP, Fixtures.DISPLAY_NUMBER, Fixtures.PHONE_NUMBER_ID, null, null,
            new ChannelConfig.Secrets(Fixtures.APP_SECRET, "t", "v", null), false, Instant.EPOCH, false, null));

    private List<InboundItem> items(String fixture) {
        return normalizer.normalize(Fixtures.json("whatsapp/" + fixture + ".json"), channels);
    }

    @Test
    void textMessage() {
        InboundMessage m = (InboundMessage) items("text-message").get(0);
        assertThat(m.tenantId()).isEqualTo(7);
        assertThat(m.tenant()).isEqualTo("mueller");
        assertThat(m.channel()).isEqualTo(Channel.WHATSAPP);
        assertThat(m.from()).isEqualTo(Fixtures.ANNA);
        assertThat(m.to()).isEqualTo(Fixtures.DISPLAY_NUMBER);
        assertThat(m.providerTimestamp()).isEqualTo(Instant.ofEpochSecond(1772445600L));
        assertThat(m.type()).isEqualTo("text");
        assertThat(m.text()).contains("Lindenstraße");
        assertThat(m.profileName()).isEqualTo("Anna Schmidt");
        assertThat(m.media()).isEmpty();
        assertThat(m.optOut()).isNull();
    }

    @Test
    void batchesKeepEveryItemInOrder() {
        assertThat(items("batch-two-messages")).hasSize(2).allMatch(i -> i instanceof InboundMessage);
        List<InboundItem> mixed = items("batch-message-and-status-two-changes");
        assertThat(mixed).hasSize(2);
        assertThat(mixed.get(0)).isInstanceOf(InboundMessage.class);
        StatusUpdate status = (StatusUpdate) mixed.get(1);
        assertThat(status.status()).isEqualTo("delivered");
        assertThat(status.recipient()).isEqualTo(Fixtures.JONAS);
    }

    @Test
    void mediaAndReplyContext() {
        InboundMessage image = (InboundMessage) items("image-message").get(0);
        assertThat(image.media()).singleElement().satisfies(media -> {
            assertThat(media.id()).isEqualTo("1187345620098817");
            assertThat(media.mimeType()).isEqualTo("image/jpeg");
            assertThat(media.sha256()).isEqualTo("qnYSkf+dBoVW8tHW9jxTpNIuRNZfiCwcJSoENyEjrdM=");
            assertThat(media.url()).startsWith("https://lookaside.fbsbx.com/");
        });
        InboundMessage voice = (InboundMessage) items("audio-voice-message").get(0);
        assertThat(voice.media().get(0).voice()).isTrue();
        InboundMessage reaction = (InboundMessage) items("reaction-message").get(0);
        assertThat(reaction.replyTo()).isEqualTo("wamid.HBgNNDkxNzYxMjM0NTY3OBUCABEYEkY2OTY1RjRBQTQ0M0U0RTE4NwA=");
    }

    @Test
    void failedStatusCarriesCodeAndDetails() {
        StatusUpdate failed = (StatusUpdate) items("status-failed").get(0);
        assertThat(failed.status()).isEqualTo("failed");
        assertThat(failed.errorCode()).isEqualTo("131047");
        assertThat(failed.errorMessage()).contains("24 hours");
        assertThat(failed.providerTimestamp()).isEqualTo(Instant.ofEpochSecond(1772446800L));
    }

    @Test
    void changesOfUnknownNumbersAndMessagesWithoutIdAreKeptAside() {
        String body = "{\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"1\"},"
                + "\"messages\":[{\"from\":\"4917612345678\",\"type\":\"text\"}]}},"
                + "{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"" + Fixtures.PHONE_NUMBER_ID
                + "\"},\"messages\":[{\"from\":\"4917612345678\",\"type\":\"text\"}]}}]}]}";
        List<InboundItem> items = normalizer.normalize(parse(body), channels);
        assertThat(items).hasSize(2).allMatch(UnrecognizedItem.class::isInstance);
        // Number 1 is not one of the verified channels: its change is kept whole, never threaded.
        assertThat(((UnrecognizedItem) items.get(0)).kind()).isEqualTo("change-for-unknown-number");
        assertThat(((UnrecognizedItem) items.get(0)).payload().path("value").path("metadata").path("phone_number_id")
                .asText()).isEqualTo("1");
        assertThat(((UnrecognizedItem) items.get(1)).kind()).isEqualTo("message-without-id");
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String json) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
