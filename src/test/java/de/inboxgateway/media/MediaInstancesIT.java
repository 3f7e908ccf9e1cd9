package de.inboxgateway.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import de.inboxgateway.InboxGatewayApplication;
import de.inboxgateway.testing.FakeProvider;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.TestDatabase;

/**
 * Downloads are durable work shared by every instance on the database: a pending one outlives the
 * instance that was to fetch it, and when several instances run, each file is fetched and stored once.
 */
class MediaInstancesIT extends MediaFlows {

    @Autowired
    private MediaDownloads downloads;

    @BeforeEach
    void setUp() {
        fixtureTenant();
        graphServesMedia();
    }

    private ConfigurableApplicationContext secondGateway() {
        return new SpringApplicationBuilder(InboxGatewayApplication.class)
                .run(anotherGateway("--gateway.media.poll-interval=1s", "--gateway.media.lease=3s"));
    }

    @Test
    void aPendingDownloadOutlivesItsInstanceAndAnotherTakesItUp() throws Exception {
        byte[] photo = jpeg(80_000);
        graphFiles.put("2001", photo);
        // This instance stops downloading, as a stopped or crashed instance would (ops can do the same).
        camel.getRouteController().stopRoute("media-download-poll");
        camel.getRouteController().stopRoute("media-download-wake");
        ConfigurableApplicationContext second = null;
        try {
            postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.restart-1", "image", "2001", photo, null, null, null));
            // It had taken the download just before it went: the lease is its own for a while yet.
            jdbc.update("update media set lease_until = now() + interval '2 seconds', lease_owner = 'crashed', attempts = 1");
            assertThat(GRAPH.requests()).isEmpty();

            long started = System.nanoTime();
            second = secondGateway();
            String secondInstance = second.getBean(MediaDownloads.class).instance();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    "stored".equals(jdbc.queryForObject("select status from media", String.class)));
            long seconds = (System.nanoTime() - started) / 1_000_000_000;
            assertThat(seconds).as("taken up within 30 s of another instance running").isLessThan(30);
            assertThat(jdbc.queryForObject("select lease_owner from media", String.class)).isEqualTo(secondInstance);
            assertThat(GRAPH.requests().stream().filter(r -> r.path().equals("/cdn/2001")).count()).isEqualTo(1);
            assertThat(Files.readAllBytes(MEDIA_DIR.resolve(jdbc.queryForObject("select storage_key from media",
                    String.class)))).isEqualTo(photo);
        } finally {
            if (second != null) {
                second.close();
            }
            camel.getRouteController().startRoute("media-download-poll");
            camel.getRouteController().startRoute("media-download-wake");
        }
    }

    @Test
    void twoInstancesShareTheWorkAndStoreEachFileOnce() {
        // A slow CDN keeps this instance's four slots busy, so the other instance takes the rest.
        GRAPH.respond(req -> {
            String[] parts = req.path().split("/");
            byte[] file = graphFiles.get(parts[parts.length - 1]);
            if (req.path().startsWith("/cdn/")) {
                return FakeProvider.Response.bytes("image/jpeg", file).delayed(700);
            }
            return FakeProvider.Response.of(200, "{\"url\":\"" + GRAPH.baseUrl() + "/cdn/" + parts[2] + "\",\"sha256\":\""
                    + hex(file) + "\",\"file_size\":" + file.length + "}");
        });
        ConfigurableApplicationContext second = secondGateway();
        try {
            int n = 12;
            for (int i = 0; i < n; i++) {
                graphFiles.put("30" + i, jpeg(20_000 + i));
            }
            for (int i = 0; i < n; i++) {
                postSigned(whatsappMedia(Fixtures.PHONE_NUMBER_ID, "wamid.many-" + i, "image", "30" + i,
                        graphFiles.get("30" + i), null, null, null));
            }
            await().atMost(Duration.ofSeconds(40)).until(() ->
                    count("select count(*) from media where status = 'stored'") == n);

            Map<String, Long> fetches = new java.util.HashMap<>();
            GRAPH.requests().stream().filter(r -> r.path().startsWith("/cdn/"))
                    .forEach(r -> fetches.merge(r.path(), 1L, Long::sum));
            assertThat(fetches).hasSize(n).allSatisfy((path, times) -> assertThat(times).as(path).isEqualTo(1));
            assertThat(count("select count(*) from media where attempts <> 1")).isZero();
            List<String> owners = jdbc.queryForList("select distinct lease_owner from media", String.class);
            assertThat(owners).containsExactlyInAnyOrder(downloads.instance(),
                    second.getBean(MediaDownloads.class).instance());
            for (String key : jdbc.queryForList("select storage_key from media", String.class)) {
                assertThat(MEDIA_DIR.resolve(key)).exists();
            }
            assertThat(count("select count(*) from tenant_event where type = 'messaging.media'"))
                    .as("one event per file").isEqualTo(n);
        } finally {
            second.close();
        }
    }
}
