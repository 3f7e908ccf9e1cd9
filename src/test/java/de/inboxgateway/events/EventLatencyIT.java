package de.inboxgateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.channel.whatsapp.HubSignature;

/**
 * The webhook-to-screen latency utility: a burst of signed WhatsApp webhooks, each timed from just
 * before its POST until its messaging.inbound event arrives at a WebSocket screen. Prints p50, p99
 * and max (and the burst's webhook rate); asserts that every event arrived once, within a generous bound.
 * Size with -Dlatency.webhooks=N -Dlatency.concurrency=C.
 */
@org.springframework.test.context.TestPropertySource(properties = {
        // the production defaults, not the small buffers the stalled-screen test needs
        "gateway.events.max-queued-bytes=1048576", "gateway.events.send-buffer-bytes=65536",
        "gateway.events.poll-interval=5s"})
class EventLatencyIT extends GatewayTest {

    @Test
    void webhookToScreenLatency() throws Exception {
        int webhooks = Integer.getInteger("latency.webhooks", 400);
        int warmup = Integer.getInteger("latency.warmup", 1500);
        int concurrency = Integer.getInteger("latency.concurrency", 8);
        TestTenant mueller = fixtureTenant();
        // Steady state, not a cold JVM: the same path is exercised first without measuring.
        ExecutorService warm = Executors.newFixedThreadPool(concurrency);
        List<Callable<Integer>> warmups = new ArrayList<>();
        for (int i = 0; i < warmup; i++) {
            String body = whatsappText(Fixtures.PHONE_NUMBER_ID, "49177" + (10_000_000 + i % 50), "wamid.warm-" + i,
                    Instant.now().getEpochSecond(), "warm " + i);
            warmups.add(() -> postWhatsappSigned(body, Fixtures.APP_SECRET).status());
        }
        try (FeedClient warmScreen = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey())) {
            for (Future<Integer> f : warm.invokeAll(warmups)) {
                assertThat(f.get()).isEqualTo(200);
            }
            warmScreen.until(e -> e.path("message").path("textPreview").asText().startsWith("warm "), Duration.ofSeconds(30));
        }
        warm.shutdown();
        Thread.sleep(2000); // let delivery of the warm-up finish
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> answered = Collections.synchronizedList(new ArrayList<>());
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        try (FeedClient screen = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey())) {
            ExecutorService pool = Executors.newFixedThreadPool(concurrency);
            List<Callable<Integer>> posts = new ArrayList<>();
            for (int i = 0; i < webhooks; i++) {
                String wamid = "wamid.latency-" + i;
                byte[] body = whatsappText(Fixtures.PHONE_NUMBER_ID, "49176" + (10_000_000 + i % 50), wamid,
                        Instant.now().getEpochSecond(), "Latenz " + i).getBytes(StandardCharsets.UTF_8);
                String signature = HubSignature.sign(Fixtures.APP_SECRET, body);
                posts.add(() -> {
                    long t = System.nanoTime();
                    sentAt.put(wamid, t);
                    int status = postWhatsapp(body, signature).status();
                    answered.add(System.nanoTime() - t);
                    return status;
                });
            }
            long start = System.nanoTime();
            for (Future<Integer> f : pool.invokeAll(posts)) {
                assertThat(f.get()).isEqualTo(200);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            pool.shutdown();
            int received = 0;
            java.util.Set<String> seen = new java.util.HashSet<>();
            while (received < webhooks) {
                JsonNode event = screen.next(Duration.ofSeconds(30));
                if (!"messaging.inbound".equals(event.path("type").asText())
                        || !event.path("message").path("providerMessageId").asText().startsWith("wamid.latency-")) {
                    continue;
                }
                long arrived = event.path(FeedClient.RECEIVED_NANOS).asLong();
                String wamid = event.path("message").path("providerMessageId").asText();
                Long sent = sentAt.get(wamid);
                assertThat(sent).isNotNull();
                assertThat(seen.add(wamid)).as("each webhook's event arrives once: " + wamid).isTrue();
                latencies.add(arrived - sent);
                received++;
            }
            assertThat(screen.drain(Duration.ofMillis(300))).noneMatch(e -> e.path("message").path("providerMessageId")
                    .asText().startsWith("wamid.latency-"));
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            List<Long> http = new ArrayList<>(answered);
            Collections.sort(http);
            System.out.printf("webhook-to-screen latency over %d signed webhooks (%d concurrent): "
                            + "p50 %.1f ms, p99 %.1f ms, max %.1f ms; webhook answered (200 after commit) p50 %.1f ms, "
                            + "p99 %.1f ms; webhooks accepted at %.0f/s%n",
                    webhooks, concurrency, ms(percentile(sorted, 50)), ms(percentile(sorted, 99)),
                    ms(sorted.get(sorted.size() - 1)), ms(percentile(http, 50)), ms(percentile(http, 99)),
                    webhooks / seconds);
            assertThat(seen).hasSize(webhooks);
            // A generous bound for a shared 2-core build machine: the figures printed are the point,
            // but a feed that took seconds per event would be a defect, not a slow run.
            assertThat(ms(percentile(sorted, 99))).as("p99 webhook-to-screen latency").isLessThan(2000);
        }
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
