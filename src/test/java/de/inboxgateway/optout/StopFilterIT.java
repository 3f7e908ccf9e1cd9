package de.inboxgateway.optout;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/** STOP keywords become opt-outs with an audit entry; the message itself is still threaded. */
class StopFilterIT extends GatewayTest {

    private TestTenant mueller;
    private int seq;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
    }

    private Http.Response whatsapp(String from, String escapedText) {
        String body = whatsappText(Fixtures.PHONE_NUMBER_ID, from.substring(1), "wamid.stop-" + (++seq), 1772445600L + seq,
                escapedText);
        return postWhatsappSigned(body, Fixtures.APP_SECRET);
    }

    private Http.Response sms(String from, String text) {
        String sid = String.format("SMstop%028d", ++seq);
        return postTwilioSigned("/webhooks/sms", Map.of("MessageSid", sid, "From", from, "To", Fixtures.TWILIO_NUMBER,
                "Body", text, "AccountSid", Fixtures.ACCOUNT_SID, "NumMedia", "0"), Fixtures.AUTH_TOKEN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"STOP", "stop", " Stop ", "STOPP", "Stopp", "ABMELDEN", "abbestellen", "UNSUBSCRIBE",
            "STOPALL", "cancel", "End", "quit", "REVOKE", "optout", "STOP\\n"})
    void keywordsOptOutOnWhatsapp(String text) {
        assertThat(whatsapp(Fixtures.ANNA, text).status()).isEqualTo(200);

        Map<String, Object> optOut = jdbc.queryForMap("select * from optout");
        assertThat(optOut.get("channel")).isEqualTo("whatsapp");
        assertThat(optOut.get("phone")).isEqualTo(Fixtures.ANNA);
        assertThat((String) optOut.get("source")).startsWith("keyword:");
        assertThat(optOut.get("source_message_id")).isEqualTo("wamid.stop-" + seq);
        assertThat(optOut.get("ended_at")).isNull();
        assertThat(count("select count(*) from message where direction = 'inbound'")).isEqualTo(1); // still threaded
        assertThat(count("select count(*) from audit_entry where type = 'optout.created' and phone = ?", Fixtures.ANNA))
                .isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bitte nicht stoppen", "STOP bitte", "stoppen", "Stop!", "Wann kommt der Monteur? STOP",
            "NONSTOP", "S T O P", ""})
    void nearMissesAreNotOptOuts(String text) {
        assertThat(whatsapp(Fixtures.ANNA, text).status()).isEqualTo(200);

        assertThat(count("select count(*) from optout")).isZero();
        assertThat(count("select count(*) from message where direction = 'inbound'")).isEqualTo(1);
    }

    @Test
    void smsKeywordOptsOutOnSmsOnly() {
        assertThat(sms(Fixtures.ANNA, "Stopp").status()).isEqualTo(200);

        assertThat(jdbc.queryForList("select channel from optout", String.class)).containsExactly("sms");
        Http.Response conversations = api(mueller, "/api/v1/conversations?channel=sms");
        assertThat(conversations.json().path("items").get(0).path("optedOut").asBoolean()).isTrue();

        whatsapp(Fixtures.ANNA, "Hallo");
        assertThat(api(mueller, "/api/v1/conversations?channel=whatsapp").json().path("items").get(0)
                .path("optedOut").asBoolean()).isFalse();
    }

    @Test
    void twilioAdvancedOptOutSignalIsRecorded() {
        assertThat(postTwilioFixture("/webhooks/sms", "sms/inbound-stop-advanced-opt-out.form.txt").status()).isEqualTo(200);

        Map<String, Object> optOut = jdbc.queryForMap("select * from optout");
        assertThat(optOut.get("phone")).isEqualTo(Fixtures.JONAS);
        assertThat(optOut.get("source")).isEqualTo("provider:twilio-opt-out-type");
        assertThat(optOut.get("source_message_id")).isEqualTo("SMada242052ea92beaf47e367dfacec896");
    }

    @Test
    void repeatedStopKeepsOneActiveOptOutAndAuditsEachTime() {
        whatsapp(Fixtures.ANNA, "STOP");
        whatsapp(Fixtures.ANNA, "stop");

        assertThat(count("select count(*) from optout")).isEqualTo(1);
        assertThat(jdbc.queryForList("select type from audit_entry where type in ('optout.created', 'optout.repeated') order by id", String.class))
                .containsExactly("optout.created", "optout.repeated");
        assertThat(count("select count(*) from message where direction = 'inbound'")).isEqualTo(2);
    }

    @Test
    void reDeliveredStopIsOneOptOutAndOneAuditEntry() {
        String body = whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.stop-once", 1772445600L, "STOP");
        postWhatsappSigned(body, Fixtures.APP_SECRET);
        postWhatsappSigned(body, Fixtures.APP_SECRET);

        assertThat(count("select count(*) from optout")).isEqualTo(1);
        assertThat(count("select count(*) from audit_entry where type in ('optout.created', 'optout.repeated')")).isEqualTo(1);
    }

    @Test
    void captionUnderAPhotoIsNotAKeyword() {
        String image = Fixtures.text("whatsapp/image-message.json").replace("Wasserfleck an der Badezimmerdecke", "STOP");
        assertThat(postWhatsappSigned(image, Fixtures.APP_SECRET).status()).isEqualTo(200);
        assertThat(count("select count(*) from optout")).isZero();
    }

    @Test
    void optOutsAreListedThroughTheApi() {
        whatsapp(Fixtures.ANNA, "STOP");
        Http.Response r = api(mueller, "/api/v1/optouts?channel=whatsapp&phone=%2B4917612345678");

        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("items")).hasSize(1);
        assertThat(r.json().path("items").get(0).path("active").asBoolean()).isTrue();
        assertThat(r.json().path("items").get(0).path("source").asText()).isEqualTo("keyword:STOP");
        assertThat(r.json().path("items").get(0).path("sourceMessageId").asText()).startsWith("wamid.stop-");
    }
}
