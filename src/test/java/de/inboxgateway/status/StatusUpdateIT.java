package de.inboxgateway.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.Http;
import de.inboxgateway.testing.GatewayTest;

/** Provider statuses move our outbound messages forward only, whatever order they arrive in. */
class StatusUpdateIT extends GatewayTest {

    private static final String WAMID = "wamid.HBgNNDkxNTIwOTg3NjU0MxUCABEYEjYyNzk4QTcyNjU4RkRBRTFEMQA=";
    private static final String SMS_SID = "SM689cf849ae9b494b86384b95f4dc2c94";

    @BeforeEach
    void provision() {
        fixtureTenant();
    }

    /** An outbound message as the outbound route leaves it after the provider accepted it. */
    private long outbound(String channel, String providerId, String phone) {
        long tenant = jdbc.queryForObject("select id from tenant where slug = 'mueller'", Long.class);
        long conversation = jdbc.queryForObject("""
                insert into conversation (tenant_id, channel, phone) values (?, ?, ?)
                on conflict (tenant_id, phone, channel) do update set phone = excluded.phone returning id""",
                Long.class, tenant, channel, phone);
        return jdbc.queryForObject("""
                insert into message (tenant_id, conversation_id, channel, direction, provider_message_id, type, text,
                                     status, status_rank)
                values (?, ?, ?, 'outbound', ?, 'text', 'Hallo', 'sent', ?) returning id""",
                Long.class, tenant, conversation, channel, providerId, de.inboxgateway.message.StatusRank.of("sent"));
    }

    private Map<String, Object> message(long id) {
        return jdbc.queryForMap("select status, error_code, error_message from message where id = ?", id);
    }

    private void whatsappStatus(String status, long ts, String errors) {
        assertThat(postWhatsappSigned(whatsappStatus(Fixtures.PHONE_NUMBER_ID, WAMID, status, ts, errors),
                Fixtures.APP_SECRET).status()).isEqualTo(200);
    }

    @Test
    void whatsappStatusesInOrderMoveForward() {
        long id = outbound("whatsapp", WAMID, Fixtures.JONAS);
        whatsappStatus("sent", 1, null);
        assertThat(message(id).get("status")).isEqualTo("sent");
        whatsappStatus("delivered", 2, null);
        assertThat(message(id).get("status")).isEqualTo("delivered");
        whatsappStatus("read", 3, null);
        assertThat(message(id).get("status")).isEqualTo("read");
    }

    @Test
    void lateStatusesNeverMoveBack() {
        long id = outbound("whatsapp", WAMID, Fixtures.JONAS);
        whatsappStatus("read", 3, null);
        whatsappStatus("delivered", 2, null);
        whatsappStatus("sent", 1, null);

        assertThat(message(id).get("status")).isEqualTo("read");
        // Every report is kept as history, once.
        assertThat(jdbc.queryForList("select status from message_status_event order by id", String.class))
                .containsExactly("read", "delivered", "sent");
        whatsappStatus("delivered", 2, null);
        assertThat(count("select count(*) from message_status_event")).isEqualTo(3);
    }

    @Test
    void failedStatusCarriesTheProvidersErrorCode() {
        long id = outbound("whatsapp", WAMID, Fixtures.JONAS);
        whatsappStatus("sent", 1, null);
        assertThat(postWhatsappFixture("whatsapp/status-failed.json").status()).isEqualTo(200);

        Map<String, Object> m = message(id);
        assertThat(m.get("status")).isEqualTo("failed");
        assertThat(m.get("error_code")).isEqualTo("131047");
        assertThat((String) m.get("error_message")).contains("24 hours");
        // A late "delivered" does not hide the failure.
        whatsappStatus("delivered", 5, null);
        assertThat(message(id).get("status")).isEqualTo("failed");
    }

    @Test
    void statusOfAMessageNotStoredYetIsKeptForLater() {
        whatsappStatus("delivered", 2, null);

        assertThat(count("select count(*) from message")).isZero();
        assertThat(count("select count(*) from message_status_event where provider_message_id = ?", WAMID)).isEqualTo(1);
    }

    @Test
    void smsStatusCallbacksOutOfOrder() {
        long id = outbound("sms", SMS_SID, Fixtures.JONAS);
        assertThat(postTwilioFixture("/webhooks/sms/status", "sms/status-failed.form.txt").status()).isEqualTo(200);
        Map<String, Object> failed = message(id);
        assertThat(failed.get("status")).isEqualTo("failed");
        assertThat(failed.get("error_code")).isEqualTo("30008");

        // "sent" arriving after "failed" changes nothing.
        postTwilioSigned("/webhooks/sms/status", Map.of("MessageSid", SMS_SID, "MessageStatus", "sent",
                "From", Fixtures.TWILIO_NUMBER, "To", Fixtures.JONAS, "AccountSid", Fixtures.ACCOUNT_SID), Fixtures.AUTH_TOKEN);
        assertThat(message(id).get("status")).isEqualTo("failed");
    }

    @Test
    void statusesOfSendsThroughAMessagingServiceArriveFromAPoolNumberAndStillApply() {
        // The channel sends through a Twilio Messaging Service: Twilio reports From a pool number that
        // is no configured channel. The channel is found by AccountSid and MessagingServiceSid, and its
        // auth token must still verify the signature.
        String service = "MG" + "1".repeat(32);
        assertThat(http.post("/admin/v1/tenants/mueller/channels", json(Map.of("channel", "sms", "accountSid",
                Fixtures.ACCOUNT_SID, "phoneNumber", "+4930111111111", "messagingServiceSid", service,
                "authToken", Fixtures.AUTH_TOKEN)), admin()).status()).isEqualTo(201);
        long id = outbound("sms", SMS_SID, Fixtures.JONAS);
        Map<String, String> callback = Map.of("MessageSid", SMS_SID, "MessageStatus", "delivered", "From", "+4915799999999",
                "To", Fixtures.JONAS, "AccountSid", Fixtures.ACCOUNT_SID, "MessagingServiceSid", service);
        assertThat(postTwilioSigned("/webhooks/sms/status", callback, Fixtures.AUTH_TOKEN).status()).isEqualTo(200);
        assertThat(message(id).get("status")).isEqualTo("delivered");
        // Another service, or the right one signed with another token, is still refused.
        Map<String, String> otherService = new java.util.HashMap<>(callback);
        otherService.put("MessagingServiceSid", "MG" + "2".repeat(32));
        assertThat(postTwilioSigned("/webhooks/sms/status", otherService, Fixtures.AUTH_TOKEN).status()).isEqualTo(401);
        assertThat(postTwilioSigned("/webhooks/sms/status", callback, "guess").status()).isEqualTo(401);
    }

    private Http.Response sendToAnnaOnWhatsapp() {
        // Anna wrote a minute ago: the window is open.
        assertThat(postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.anna-" + System.nanoTime(),
                clock.instant().minusSeconds(60).getEpochSecond(), "Hallo"), Fixtures.APP_SECRET).status()).isEqualTo(200);
        return http.post("/api/v1/messages", json(Map.of("channel", "whatsapp", "to", Fixtures.ANNA, "text", "Termin morgen")),
                "Authorization", "Bearer " + apiKey("mueller", ALL_SCOPES), "Content-Type", "application/json");
    }

    @Test
    void aSendMetaAcceptsAndLaterReportsAs131047EndsFailedWithTheWindowAsItsReason() {
        Http.Response sent = sendToAnnaOnWhatsapp();
        assertThat(sent.status()).isEqualTo(202);
        String wamid = sent.json().path("providerMessageId").asText();
        long id = sent.json().path("id").asLong();
        // What Meta really does: 200 to the send, then a failed status with the re-engagement error.
        assertThat(postWhatsappSigned(whatsappStatus(Fixtures.PHONE_NUMBER_ID, wamid, "failed", Instant.now().getEpochSecond(),
                "[{\"code\":131047,\"title\":\"Re-engagement message\",\"message\":\"Re-engagement message\","
                        + "\"error_data\":{\"details\":\"Message failed to send because more than 24 hours have passed\"}}]"),
                Fixtures.APP_SECRET).status()).isEqualTo(200);

        Http.Response message = http.get("/api/v1/messages/" + id, "Authorization", "Bearer " + apiKey("mueller", ALL_SCOPES));
        assertThat(message.json().path("status").asText()).isEqualTo("failed");
        assertThat(message.json().path("error").path("code").asText()).isEqualTo("131047");
        assertThat(message.json().path("error").path("reason").asText()).isEqualTo("WHATSAPP_WINDOW_CLOSED");
        assertThat(jdbc.queryForObject("select payload -> 'message' ->> 'errorReason' from tenant_event "
                + "where type = 'messaging.status' order by id desc limit 1", String.class)).isEqualTo("WHATSAPP_WINDOW_CLOSED");
    }

    @Test
    void aStatusThatOvertakesTheProvidersAnswerStillEndsTheMessageDelivered() {
        // Meta's webhook for the new message arrives while the gateway still waits for the send's answer.
        GRAPH.respond(req -> {
            if (!req.path().endsWith("/messages")) {
                return FakeProvider.Response.of(404, "{}");
            }
            String wamid = "wamid.overtaken-1";
            assertThat(postWhatsappSigned(whatsappStatus(Fixtures.PHONE_NUMBER_ID, wamid, "delivered",
                    Instant.now().getEpochSecond(), null), Fixtures.APP_SECRET).status()).isEqualTo(200);
            return FakeProvider.Response.of(200, "{\"messaging_product\":\"whatsapp\",\"messages\":[{\"id\":\"" + wamid + "\"}]}");
        });
        Http.Response sent = sendToAnnaOnWhatsapp();
        assertThat(sent.status()).isEqualTo(202);
        assertThat(sent.json().path("providerMessageId").asText()).isEqualTo("wamid.overtaken-1");
        assertThat(message(sent.json().path("id").asLong()).get("status")).isEqualTo("delivered");
        assertThat(GRAPH.requests()).hasSize(1); // and it was sent once
    }

    @Test
    void statusOfAnotherTenantsMessageIsNeverApplied() {
        otherTenant();
        long id = outbound("whatsapp", WAMID, Fixtures.JONAS);
        // Signed correctly by the other tenant, naming our wamid: it lands in the other tenant only.
        String body = whatsappStatus(OTHER_PHONE_NUMBER_ID, WAMID, "read", 9, null);
        assertThat(postWhatsappSigned(body, OTHER_APP_SECRET).status()).isEqualTo(200);

        assertThat(message(id).get("status")).isEqualTo("sent");
        List<Long> tenants = jdbc.queryForList("select tenant_id from message_status_event", Long.class);
        assertThat(tenants).containsExactly(jdbc.queryForObject("select id from tenant where slug = 'schmidt'", Long.class));
    }
}
