package de.inboxgateway.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import de.inboxgateway.config.GatewayProperties;

/** The small rules of media, without Spring: names, checksums, links, types, fetchable URLs. */
class MediaRulesTest {

    @Test
    void filenamesAreNamesNeverPaths() {
        assertThat(MediaNames.safe("../../etc/passwd")).isEqualTo("_.._etc_passwd");
        assertThat(MediaNames.safe("a\\b/c\r\nX-Evil: 1.pdf")).doesNotContain("/", "\\", "\r", "\n");
        assertThat(MediaNames.safe("...")).isNull();
        assertThat(MediaNames.safe("Nebenkostenabrechnung 2025.pdf")).isEqualTo("Nebenkostenabrechnung 2025.pdf");
        assertThat(MediaNames.safe("x".repeat(500))).hasSize(200);
        assertThat(MediaNames.contentDisposition("attachment", "Übergabe \"Wohnung\";2.pdf"))
                .isEqualTo("attachment; filename=\"_bergabe _Wohnung__2.pdf\"; "
                        + "filename*=UTF-8''%C3%9Cbergabe%20%22Wohnung%22%3B2.pdf");
        assertThat(MediaNames.contentDisposition("inline", null)).isEqualTo("inline");
    }

    @Test
    void metasChecksumIsReadAsHexOrBase64() throws Exception {
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest("photo".getBytes());
        String hex = HexFormat.of().formatHex(digest);
        String base64 = Base64.getEncoder().encodeToString(digest);
        assertThat(MediaIngest.sameSha256(hex, hex)).isTrue();
        assertThat(MediaIngest.sameSha256(hex.toUpperCase(), hex)).isTrue();
        assertThat(MediaIngest.sameSha256(base64, hex)).isTrue();
        assertThat(MediaIngest.sameSha256(base64.replace("/", "\\/"), hex)).isTrue(); // JSON-escaped slashes
        assertThat(MediaIngest.sameSha256(null, hex)).as("nothing to compare with").isTrue();
        assertThat(MediaIngest.sameSha256(Base64.getEncoder().encodeToString(new byte[32]), hex)).isFalse();
    }

    @Test
    void linksNameTenantMediaAndExpiryAndNothingElseVerifies() {
        GatewayProperties properties = new GatewayProperties();
        properties.setPublicBaseUrl("https://inbox.example.com/");
        properties.setSecretsKey(Base64.getEncoder().encodeToString(new byte[32]));
        Instant now = Instant.parse("2026-03-02T10:00:00Z");
        MediaLinks links = new MediaLinks(properties, Clock.fixed(now, ZoneOffset.UTC));
        UUID id = UUID.randomUUID();
        MediaLinks.Link link = links.create(7, id, Duration.ofMinutes(15));
        assertThat(link.url()).startsWith("https://inbox.example.com/media/");
        String token = link.url().substring(link.url().lastIndexOf('/') + 1);
        assertThat(links.verify(token)).hasValueSatisfying(t -> {
            assertThat(t.tenantId()).isEqualTo(7);
            assertThat(t.mediaId()).isEqualTo(id);
        });
        // Another key never verifies it, and a token past its expiry does not either.
        properties.setSecretsKey(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}));
        assertThat(new MediaLinks(properties, Clock.fixed(now, ZoneOffset.UTC)).verify(token)).isEmpty();
        assertThat(new MediaLinks(properties, Clock.fixed(now.plus(Duration.ofMinutes(15)), ZoneOffset.UTC))
                .verify(token)).isEmpty();
        // A payload naming another tenant, re-encoded, fails its MAC.
        String payload = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))));
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(payload.replaceFirst("^7\\.", "8.").getBytes())
                + token.substring(token.indexOf('.'));
        assertThat(links.verify(forged)).isEmpty();
        assertThat(links.verify("garbage")).isEmpty();
        assertThat(links.verify(null)).isEmpty();
    }

    @Test
    void whatABrowserCouldRunIsNeverServedAsItself() {
        assertThat(MediaTypes.servedAs("image/jpeg")).isEqualTo("image/jpeg");
        assertThat(MediaTypes.servedAs("text/html")).isEqualTo("application/octet-stream");
        assertThat(MediaTypes.servedAs("image/svg+xml")).isEqualTo("application/octet-stream");
        assertThat(MediaTypes.servedAs("application/xhtml+xml")).isEqualTo("application/octet-stream");
        assertThat(MediaTypes.servedAs("text/javascript")).isEqualTo("application/octet-stream");
        assertThat(MediaTypes.servedAs("image/jpeg\r\nX-Evil: 1")).isEqualTo("application/octet-stream");
        assertThat(MediaTypes.inline("application/pdf")).isFalse();
        assertThat(MediaTypes.kind("audio/ogg; codecs=opus")).isEqualTo("audio");
        assertThat(MediaTypes.kind("image/webp")).isEqualTo("sticker");
        assertThat(MediaTypes.matches("image/jpg", "image/jpeg")).isTrue();
        assertThat(MediaTypes.matches("image/png", "image/jpeg")).isFalse();
    }

    @Test
    void mediaUrlsAreFetchedOnlyOverTlsUnlessTheProviderItselfIsLocal() {
        ProviderAnswer.checkFetchable("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1", "https://graph.facebook.com");
        assertThatThrownBy(() -> ProviderAnswer.checkFetchable("http://169.254.169.254/latest/meta-data", "https://graph.facebook.com"))
                .isInstanceOf(MediaFetchException.class).hasMessageContaining("not https");
        assertThatThrownBy(() -> ProviderAnswer.checkFetchable("file:///etc/passwd", "https://api.twilio.com"))
                .isInstanceOf(MediaFetchException.class);
        ProviderAnswer.checkFetchable("http://localhost:1234/cdn/1", "http://localhost:1234");
    }
}
