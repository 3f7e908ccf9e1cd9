package de.inboxgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/** Twilio's incoming-message webhook and status callbacks through HTTP, the routes and PostgreSQL. */
class SmsWebhookIT extends GatewayTest {

    @BeforeEach
    void provision() {
        fixtureTenant();
    }

    @Test
    void inboundSmsIsStoredWithDecodedTextAndPlusSignsAndAnsweredWithEmptyTwiml() {
        Http.Response r = postTwilioFixture("/webhooks/sms", "sms/inbound-sms.form.txt");

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/xml");
        assertThat(r.body()).isEqualTo(Fixtures.text("sms/twiml-empty-response.xml").strip());
        Map<String, Object> row = jdbc.queryForMap("select * from message");
        // %2B49… must become +49…, '+' a space, %C3%9F an ß; a literal '+' in the text stays.
        assertThat(row.get("sender")).isEqualTo(Fixtures.ANNA);
        assertThat(row.get("recipient")).isEqualTo(Fixtures.TWILIO_NUMBER);
        assertThat(row.get("text")).isEqualTo("Hallo, im Treppenhaus Lindenstraße 12 ist das Licht defekt. "
                + "Bitte um Rückruf: 0176 12345678 (+ gern per SMS)");
        assertThat(row.get("provider_message_id")).isEqualTo("SMef835a2a5e18db4dac34414f9ef2b105");
        assertThat(row.get("type")).isEqualTo("text");
        assertThat(row.get("channel")).isEqualTo("sms");
        assertThat(count("select count(*) from conversation where phone = ? and channel = 'sms'", Fixtures.ANNA)).isEqualTo(1);
    }

    @Test
    void mmsKeepsItsMediaReference() {
        assertThat(postTwilioFixture("/webhooks/sms", "sms/inbound-mms.form.txt").status()).isEqualTo(200);

        Map<String, Object> row = jdbc.queryForMap("select type, text, media::text as media from message");
        assertThat(row.get("type")).isEqualTo("image");
        assertThat(row.get("text")).isEqualTo("Foto vom Schimmel im Schlafzimmer");
        assertThat((String) row.get("media")).contains(
                "https://api.twilio.com/2010-04-01/Accounts/AC9af211329b2fc82e5efe906062c73008/Messages/"
                        + "MMf23ce757eccb110d5d85a2a9dc556955/Media/MEc056219151bce11bae875cfbe8a010ae", "image/jpeg");
    }

    @ParameterizedTest
    @ValueSource(strings = {"inbound-sms", "inbound-mms", "inbound-stop-advanced-opt-out"})
    void signatureWithTheDefaultPortWrittenOutIsAccepted(String name) {
        String fixture = "sms/" + name + ".form.txt";
        Http.Response r = postTwilio("/webhooks/sms", Fixtures.text(fixture), Fixtures.twilioSignatureWithPort(fixture));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
    }

    @Test
    void signedUrlKeepsItsQueryString() {
        // Twilio vector: the same form posted to a URL with a query string of its own.
        Http.Response r = postTwilio("/webhooks/sms?property=lindenstr-12&channel=sms",
                Fixtures.text("sms/inbound-sms.form.txt"), "YdfngVzi3KMvlxwAm4vR9aYqFu4=");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        // Without the query the same signature must fail.
        assertThat(postTwilio("/webhooks/sms", Fixtures.text("sms/inbound-sms.form.txt"), "YdfngVzi3KMvlxwAm4vR9aYqFu4=")
                .status()).isEqualTo(401);
    }

    @Test
    void reDeliveryIsStoredOnce() {
        for (int i = 0; i < 3; i++) {
            assertThat(postTwilioFixture("/webhooks/sms", "sms/inbound-sms.form.txt").status()).isEqualTo(200);
        }
        assertThat(count("select count(*) from message")).isEqualTo(1);
    }

    @Test
    void forgedMissingAndTamperedSignaturesAreRejected() {
        String form = Fixtures.text("sms/inbound-sms.form.txt");
        assertThat(postTwilio("/webhooks/sms", form, null).code()).isEqualTo("SIGNATURE_INVALID");
        assertThat(postTwilio("/webhooks/sms", form, "AAAAAAAAAAAAAAAAAAAAAAAAAAA=").status()).isEqualTo(401);
        // One changed character in the body breaks the signature.
        assertThat(postTwilio("/webhooks/sms", form.replace("defekt", "defekT"),
                Fixtures.twilioSignature("sms/inbound-sms.form.txt")).status()).isEqualTo(401);
        // A status callback's signature does not fit the inbound URL.
        assertThat(postTwilio("/webhooks/sms/status", form, Fixtures.twilioSignature("sms/inbound-sms.form.txt"))
                .status()).isEqualTo(401);
        assertThat(count("select count(*) from message")).isZero();
        // Four rejections from one address in a minute: one entry per claimed tenant (none, mueller).
        assertThat(count("select count(*) from audit_entry where type = 'webhook.signature-invalid' and channel = 'sms'"))
                .isEqualTo(2);
    }

    @Test
    void anotherTenantsAuthTokenNeverValidates() {
        otherTenant();
        Map<String, String> intoMueller = form("SMcross000000000000000000000000001", "+4917611111111", Fixtures.TWILIO_NUMBER, "hallo");
        assertThat(postTwilioSigned("/webhooks/sms", intoMueller, OTHER_AUTH_TOKEN).status()).isEqualTo(401);

        Map<String, String> intoSchmidt = form("SMcross000000000000000000000000002", "+4917611111111", OTHER_TWILIO_NUMBER, "hallo");
        intoSchmidt.put("AccountSid", OTHER_ACCOUNT_SID);
        assertThat(postTwilioSigned("/webhooks/sms", intoSchmidt, Fixtures.AUTH_TOKEN).status()).isEqualTo(401);
        assertThat(postTwilioSigned("/webhooks/sms", intoSchmidt, OTHER_AUTH_TOKEN).status()).isEqualTo(200);
        assertThat(count("select count(*) from message m join tenant t on t.id = m.tenant_id where t.slug = 'schmidt'"))
                .isEqualTo(1);
        assertThat(count("select count(*) from message m join tenant t on t.id = m.tenant_id where t.slug = 'mueller'"))
                .isZero();
    }

    @Test
    void accountSidOfAnotherAccountIsRejectedEvenWhenSigned() {
        Map<String, String> f = form("SMacct0000000000000000000000000001", "+4917611111111", Fixtures.TWILIO_NUMBER, "hallo");
        f.put("AccountSid", OTHER_ACCOUNT_SID);
        assertThat(postTwilioSigned("/webhooks/sms", f, Fixtures.AUTH_TOKEN).status()).isEqualTo(401);
    }

    @Test
    void unknownBusinessNumberIsRejected() {
        Map<String, String> f = form("SMunkn0000000000000000000000000001", "+4917611111111", "+4930999999999", "hallo");
        assertThat(postTwilioSigned("/webhooks/sms", f, Fixtures.AUTH_TOKEN).status()).isEqualTo(401);
    }

    @Test
    void percentEncodedNonAsciiAndEmptyParametersSurviveTheRoundTrip() {
        Map<String, String> f = form("SMutf80000000000000000000000000001", "+4917611111111", Fixtures.TWILIO_NUMBER,
                "Grüße aus der Müllerstraße 5 – 50 % & mehr + €, 👍");
        f.put("ToState", "");
        assertThat(postTwilioSigned("/webhooks/sms", f, Fixtures.AUTH_TOKEN).status()).isEqualTo(200);
        assertThat(jdbc.queryForObject("select text from message", String.class))
                .isEqualTo("Grüße aus der Müllerstraße 5 – 50 % & mehr + €, 👍");
    }

    @Test
    void statusCallbacksAreVerifiedWithTheSendersNumberAndRecorded() {
        for (String f : new String[] {"status-delivered", "status-failed", "status-undelivered"}) {
            Http.Response r = postTwilioFixture("/webhooks/sms/status", "sms/" + f + ".form.txt");
            assertThat(r.status()).as(f + ": " + r).isEqualTo(200);
        }
        assertThat(jdbc.queryForList("select status || ':' || coalesce(error_code, '') from message_status_event order by id",
                String.class)).containsExactly("delivered:", "failed:30008", "undelivered:30003");
    }

    @Test
    void malformedFormEncodingIs400() {
        Http.Response r = postTwilio("/webhooks/sms", "To=%2B4915735980123&Body=%E0%A4%A", "sig");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.code()).isEqualTo("INVALID_REQUEST");
        assertThat(count("select count(*) from message")).isZero();
    }

    @Test
    void oversizedBodyIs413() {
        String huge = "Body=" + "x".repeat(3 * 1024 * 1024 + 10);
        Http.Response r = postTwilio("/webhooks/sms", huge, "sig");
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.code()).isEqualTo("PAYLOAD_TOO_LARGE");
    }

    static Map<String, String> form(String sid, String from, String to, String body) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("ToCountry", "DE");
        f.put("SmsMessageSid", sid);
        f.put("NumMedia", "0");
        f.put("SmsSid", sid);
        f.put("SmsStatus", "received");
        f.put("Body", body);
        f.put("To", to);
        f.put("NumSegments", "1");
        f.put("MessageSid", sid);
        f.put("AccountSid", Fixtures.ACCOUNT_SID);
        f.put("From", from);
        f.put("ApiVersion", "2010-04-01");
        return f;
    }
}
