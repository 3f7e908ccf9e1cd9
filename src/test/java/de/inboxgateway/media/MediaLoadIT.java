package de.inboxgateway.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.Http;

/**
 * Downloads never slow webhooks down: while 50 photos of 5 MB download, signed text webhooks are
 * acknowledged as fast as before (a generous bound here; the figures are printed for the README).
 */
class MediaLoadIT extends MediaFlows {

    private static final int PHOTOS = 50;
    private static final int TEXTS = 100;

    @Test
    void textWebhooksKeepTheirAcknowledgementTimeWhilePhotosDownload() {
        fixtureTenant();
        byte[] photo = jpeg(5 * 1024 * 1024);
        String sha = hex(photo);
        // Each download takes a while (a slow CDN), so they overlap with the text webhooks below.
        GRAPH.respond(req -> req.path().startsWith("/cdn/") ? FakeProvider.Response.bytes("image/jpeg", photo).delayed(250)
                : FakeProvider.Response.of(200, "{\"url\":\"" + GRAPH.baseUrl() + "/cdn/x\",\"sha256\":\"" + sha
                        + "\",\"file_size\":" + photo.length + "}"));

        texts("warm-up", 30);
        List<Long> before = texts("before", TEXTS);
        Instant start = Instant.now();
        for (int i = 0; i < PHOTOS; i++) {
            Http.Response r = postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.load-photo-" + i, "image",
                    String.valueOf(4000 + i), photo, null, null, null));
            assertThat(r.status()).isEqualTo(200);
        }
        List<Long> during = texts("during", TEXTS);
        long pendingAfterTexts = count("select count(*) from media where status = 'pending'");
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> count("select count(*) from media where status = 'stored'") == PHOTOS);
        Duration all = Duration.between(start, Instant.now());

        System.out.printf("MEDIA LOAD: %d photos of 5 MB stored in %d ms (%.1f MB/s); %d still pending when the %d text "
                        + "webhooks were done%n", PHOTOS, all.toMillis(), PHOTOS * 5.0 / (all.toMillis() / 1000.0),
                pendingAfterTexts, TEXTS);
        System.out.printf("MEDIA LOAD: text webhook ack before p50 %.1f ms p95 %.1f ms max %.1f ms | during p50 %.1f ms "
                        + "p95 %.1f ms max %.1f ms%n", ms(before, 50), ms(before, 95), ms(before, 100), ms(during, 50),
                ms(during, 95), ms(during, 100));
        assertThat(pendingAfterTexts).as("the text webhooks really ran while photos were downloading").isPositive();
        assertThat(ms(during, 95)).as("p95 acknowledgement during downloads")
                .isLessThan(Math.max(250, 5 * ms(before, 95)));
    }

    private List<Long> texts(String label, int n) {
        List<Long> nanos = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String body = whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.load-" + label + "-" + i,
                    Instant.now().getEpochSecond(), "Text " + i);
            long t = System.nanoTime();
            Http.Response r = postSigned(body);
            nanos.add(System.nanoTime() - t);
            assertThat(r.status()).isEqualTo(200);
        }
        return nanos;
    }

    private static double ms(List<Long> nanos, int percentile) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int index = Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1);
        return sorted.get(Math.max(index, 0)) / 1_000_000.0;
    }
}
