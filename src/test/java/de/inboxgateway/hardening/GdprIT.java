package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/** Right to erasure, and an audit trail the database keeps append-only. */
class GdprIT extends GatewayTest {

    @Autowired
    org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate gatewayJdbc; // the gateway's role

    @Autowired
    GatewayProperties properties;
    private TestTenant mueller;
    private TestTenant schmidt;

    @BeforeEach
    void provision() {
        mueller = fixtureTenant();
        schmidt = otherTenant();
        properties.getGdpr().setLegalRetention(Duration.ZERO);
    }

    private void annaWrites() {
        postWhatsappFixture("whatsapp/image-message.json");
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.gdpr-1",
                Instant.now().getEpochSecond(), "Meine Kontonummer ist DE12 3456"), Fixtures.APP_SECRET);
        http.post("/api/v1/messages", json(Map.of("channel", "whatsapp", "to", Fixtures.ANNA, "text", "Danke, Frau Schmidt")),
                "Authorization", mueller.bearer(), "Content-Type", "application/json");
        postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.gdpr-2",
                Instant.now().getEpochSecond(), "STOP"), Fixtures.APP_SECRET);
        http.post("/api/v1/messages", json(Map.of("channel", "whatsapp", "to", Fixtures.ANNA, "text", "Trotzdem noch etwas")),
                "Authorization", mueller.bearer(), "Content-Type", "application/json");
        // The same phone in another tenant is another person's data there.
        postWhatsappSigned(whatsappText(OTHER_PHONE_NUMBER_ID, "4917612345678", "wamid.gdpr-other",
                Instant.now().getEpochSecond(), "Bei Schmidt"), OTHER_APP_SECRET);
    }

    private Http.Response erase(TestTenant t, String phone) {
        return http.delete("/api/v1/contacts/by-phone/" + phone + "/messaging-data", "Authorization", t.bearer());
    }

    @Test
    void erasureRemovesContentsKeepsTheOptOutAndReportsBoth() {
        annaWrites();
        long muellerId = jdbc.queryForObject("select id from tenant where slug = 'mueller'", Long.class);

        Http.Response r = erase(mueller, "%2B4917612345678");

        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("phone").asText()).isEqualTo(Fixtures.ANNA);
        assertThat(r.json().path("erased").path("messageContents").asInt()).isGreaterThanOrEqualTo(4);
        assertThat(r.json().path("kept").path("optOuts").path("count").asInt()).isEqualTo(1);
        assertThat(r.json().path("kept").path("retainedMessages").path("count").asInt()).isZero();
        assertThat(count("""
                select count(*) from message where tenant_id = ? and (text is not null or media is not null
                   or data is not null or profile_name is not null)""", muellerId)).isZero();
        assertThat(count("select count(*) from message where tenant_id = ? and erased_at is null", muellerId)).isZero();
        // Nothing of the erased texts is left in the event feed or the audit trail.
        String everything = jdbc.queryForList("select payload::text from tenant_event where tenant_id = ?", String.class, muellerId)
                + jdbc.queryForList("select detail::text from audit_entry where tenant_id = ?", String.class, muellerId).toString();
        assertThat(everything).doesNotContain("Kontonummer", "Trotzdem noch etwas", "Wasserfleck", "Anna Schmidt");
        // The opt-out stays and goes on being honoured.
        Http.Response blocked = http.post("/api/v1/messages", json(Map.of("channel", "whatsapp", "to", Fixtures.ANNA,
                "text", "x")), "Authorization", mueller.bearer(), "Content-Type", "application/json");
        assertThat(blocked.code()).isEqualTo("OPTOUT_ACTIVE");
        // The other tenant's data about the same phone is untouched.
        assertThat(jdbc.queryForObject("select text from message m join tenant t on t.id = m.tenant_id where t.slug = 'schmidt'",
                String.class)).isEqualTo("Bei Schmidt");
        assertThat(count("select count(*) from audit_entry where type = 'gdpr.erasure'")).isEqualTo(1);
    }

    @Test
    void freeTextAboutThePersonGoesTooAndTheReportSaysWhatTheProvidersKeep() {
        annaWrites();
        // A documented re-consent with a personal note, then a failed send whose provider error names her.
        assertThat(http.post("/api/v1/optouts/whatsapp/%2B4917612345678/consent", json(Map.of(
                "source", "Telefonat mit Frau Schmidt", "consentedAt", "2026-11-30T09:00:00Z",
                "note", "wohnt jetzt bei ihrer Tochter")), "Authorization", mueller.bearer(), "Content-Type",
                "application/json").status()).isEqualTo(200);
        String wamid = jdbc.queryForObject("select provider_message_id from message where text = 'Danke, Frau Schmidt'",
                String.class);
        assertThat(postWhatsappSigned(whatsappStatus(Fixtures.PHONE_NUMBER_ID, wamid, "failed", Instant.now().getEpochSecond(),
                "[{\"code\":131026,\"title\":\"Message undeliverable\",\"message\":\"Anna Schmidt hat WhatsApp abgemeldet\"}]"),
                Fixtures.APP_SECRET).status()).isEqualTo(200);

        Http.Response r = erase(mueller, "%2B4917612345678");
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().path("erased").path("optOutConsentNotes").asInt()).isEqualTo(1);
        assertThat(r.json().path("erased").path("optInEventSources").asInt()).isEqualTo(1);
        assertThat(r.json().path("erased").path("providerErrorTexts").asInt()).isPositive();
        assertThat(r.json().path("heldByProviders").path("twilio").path("how").asText()).contains("DELETE");
        assertThat(r.json().path("heldByProviders").path("meta").path("how").asText()).contains("30 days");

        long muellerId = jdbc.queryForObject("select id from tenant where slug = 'mueller'", Long.class);
        String everything = jdbc.queryForList("select payload::text from tenant_event where tenant_id = ?", String.class, muellerId)
                + jdbc.queryForList("select detail::text from audit_entry where tenant_id = ?", String.class, muellerId).toString()
                + jdbc.queryForList("select concat(end_source, '|', end_note) from optout where tenant_id = ?", String.class,
                        muellerId)
                + jdbc.queryForList("select error_message from message_status_event where tenant_id = ?", String.class, muellerId)
                + jdbc.queryForList("select error_message from message where tenant_id = ?", String.class, muellerId);
        assertThat(everything).doesNotContain("Telefonat", "Tochter", "hat WhatsApp abgemeldet");
        // The opt-out history itself stays: when it started, when it ended, and that a consent was documented.
        assertThat(count("select count(*) from optout where tenant_id = ? and ended_at is not null and end_source = 'erased'",
                muellerId)).isEqualTo(1);
    }

    @Test
    void aContactDeletedInTheErpIsDeletedHereWithItsNumbers() {
        assertThat(http.put("/api/v1/contacts/R-7", "{\"name\":\"Anna Schmidt\",\"phones\":[\"+4917612345678\"]}",
                "Authorization", mueller.bearer(), "Content-Type", "application/json").status()).isEqualTo(201);
        assertThat(http.delete("/api/v1/contacts/R-7", "Authorization", mueller.bearer()).status()).isEqualTo(204);
        assertThat(http.get("/api/v1/contacts/R-7", "Authorization", mueller.bearer()).status()).isEqualTo(404);
        assertThat(count("select count(*) from contact_phone")).isZero();
        Http.Response again = http.delete("/api/v1/contacts/R-7", "Authorization", mueller.bearer());
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.code()).isEqualTo("NOT_FOUND");
        assertThat(count("select count(*) from audit_entry where type = 'contact.deleted'")).isEqualTo(1);
        // Another tenant cannot delete it, and a key without contacts:write neither.
        assertThat(http.put("/api/v1/contacts/R-8", "{\"name\":\"Jonas\"}", "Authorization", mueller.bearer(),
                "Content-Type", "application/json").status()).isEqualTo(201);
        assertThat(http.delete("/api/v1/contacts/R-8", "Authorization", schmidt.bearer()).status()).isEqualTo(404);
        String readOnly = apiKey("mueller", List.of("messaging:read"));
        assertThat(http.delete("/api/v1/contacts/R-8", "Authorization", "Bearer " + readOnly).status()).isEqualTo(403);
        assertThat(count("select count(*) from contact where external_id = 'R-8'")).isEqualTo(1);
    }

    @Test
    void messagesUnderLegalRetentionAreReportedAsRetained() {
        annaWrites();
        properties.getGdpr().setLegalRetention(Duration.ofDays(6 * 365));

        Http.Response r = erase(mueller, "0176%2012345678");

        assertThat(r.json().path("erased").path("messageContents").asInt()).isZero();
        assertThat(r.json().path("kept").path("retainedMessages").path("count").asInt()).isGreaterThanOrEqualTo(4);
        assertThat(r.json().path("kept").path("retainedMessages").path("reason").asText()).contains("legal retention");
        assertThat(count("select count(*) from message where text = 'Meine Kontonummer ist DE12 3456'")).isEqualTo(1);
    }

    @Test
    void aBroadcastNotYetSentToThePersonIsCancelledForThemAndItsTextsGo() throws Exception {
        try {
            Http.Response b = http.post("/api/v1/broadcasts", json(Map.of("name", "Wasser", "channel", "sms",
                    "text", "Wasser aus, Frau Schmidt", "recipients", List.of(Map.of("phone", Fixtures.ANNA),
                            Map.of("phone", "+4915200000099")))), "Authorization", mueller.bearer(),
                    "Content-Type", "application/json");
            assertThat(b.status()).as(b.toString()).isEqualTo(202);
            Http.Response r = erase(mueller, "%2B4917612345678");
            assertThat(r.status()).as(r.toString()).isEqualTo(200);
            assertThat(r.json().path("erased").path("broadcastTexts").asInt()).isEqualTo(1);
            assertThat(jdbc.queryForList("select outcome || ':' || coalesce(body, '-') from broadcast_recipient order by position",
                    String.class)).containsExactly("cancelled:-", "pending:Wasser aus, Frau Schmidt");
            camel.getRouteController().startRoute("broadcast-pacer"); // off in tests but where they are about broadcasts
            await().atMost(Duration.ofSeconds(10)).until(() -> count("select count(*) from broadcast where status = 'completed'") == 1);
        } finally {
            camel.getRouteController().stopRoute("broadcast-pacer");
        }
        assertThat(TWILIO.requests().stream().filter(q -> q.body().contains("Wasser+aus"))).hasSize(1)
                .allMatch(q -> q.body().contains("4915200000099"));
    }

    @Test
    void erasureNeedsItsScopeAndAValidPhone() {
        String readOnly = apiKey("mueller", List.of("messaging:read"));
        assertThat(http.delete("/api/v1/contacts/by-phone/%2B4917612345678/messaging-data", "Authorization",
                "Bearer " + readOnly).code()).isEqualTo("PERMISSION_DENIED");
        assertThat(erase(mueller, "hallo").code()).isEqualTo("INVALID_PHONE");
    }

    @Test
    void theAuditTrailIsAppendOnlyInTheDatabase() {
        annaWrites();
        assertThatThrownBy(() -> jdbc.update("update audit_entry set type = 'nothing happened'"))
                .hasMessageContaining("append-only");
        assertThatThrownBy(() -> jdbc.update("delete from audit_entry")).hasMessageContaining("append-only");
        assertThatThrownBy(() -> jdbc.update("update audit_entry set phone = null")).hasMessageContaining("append-only");
        assertThat(count("select count(*) from audit_entry")).isPositive();

        // The gateway's own role cannot rewrite the trail even if it switches the redaction on itself,
        // nor empty a table: only the owner's gateway_redact_audit removes personal fields.
        org.springframework.jdbc.core.JdbcTemplate gateway = gatewayJdbc.getJdbcTemplate();
        de.inboxgateway.access.TenantScope.asSystem(() -> {
            assertThatThrownBy(() -> gateway.update("with s as (select set_config('gateway.audit_redaction', 'on', true)) "
                    + "update audit_entry set detail = '{\"rewritten\": true}' from s"))
                    .hasStackTraceContaining("permission denied");
            assertThatThrownBy(() -> gateway.execute("truncate audit_entry")).hasStackTraceContaining("permission denied");
            assertThatThrownBy(() -> gateway.execute("truncate message cascade")).hasStackTraceContaining("permission denied");
        });
        assertThat(count("select count(*) from audit_entry where detail::text like '%rewritten%'")).isZero();
    }

    private static final String TENANT_TABLES = "select c.relname from pg_class c "
            + "join pg_namespace n on n.oid = c.relnamespace "
            + "join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped "
            + "where n.nspname = current_schema() and c.relkind = 'r'";

    @Test
    void everyTenantTableHasRowLevelSecurityEnabledAndForced() {
        // From the catalog, so a table added later cannot forget it.
        assertThat(jdbc.queryForList(TENANT_TABLES, String.class))
                .contains("message", "conversation", "audit_entry", "media", "tenant_event");
        assertThat(jdbc.queryForList(TENANT_TABLES + " and not (c.relrowsecurity and c.relforcerowsecurity)", String.class))
                .isEmpty();
    }
}

