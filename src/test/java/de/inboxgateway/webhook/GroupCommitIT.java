package de.inboxgateway.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import de.inboxgateway.testing.FeedClient;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;
import de.inboxgateway.testing.TestDatabase;

/**
 * Group commit, made to happen on purpose: the test holds tenant mueller's row lock (which every
 * commit of mueller's events needs), so the four commit workers stall on four webhooks and the next
 * ones queue. Released, the queued webhooks of two tenants commit in one transaction. Nothing is
 * answered before its commit, each tenant's rows and events stay its own, and one poisoned webhook
 * in the batch fails alone while its batch-mates are stored.
 */
class GroupCommitIT extends GatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired
    MeterRegistry meters;

    @Test
    void webhooksArrivingTogetherShareOneCommitAndAPoisonedOneFailsAlone() throws Exception {
        TestTenant mueller = fixtureTenant();
        TestTenant schmidt = otherTenant();
        long muellerId = count("select id from tenant where slug = 'mueller'");
        long batchesBefore = batches().count();
        double webhooksBefore = batches().totalAmount();
        long now = Instant.now().getEpochSecond();
        // A test-only trigger stands for any webhook the database refuses (it is dropped below).
        jdbc.execute("""
                create or replace function group_commit_poison() returns trigger language plpgsql as $$
                begin if new.text = 'GIFT' then raise exception 'poisoned webhook'; end if; return new; end $$""");
        jdbc.execute("create trigger group_commit_poison before insert on message for each row "
                + "execute function group_commit_poison()");
        ExecutorService senders = Executors.newFixedThreadPool(16);
        try (FeedClient muellerScreen = FeedClient.connect(eventsPort, "mueller", "token=" + mueller.apiKey());
             FeedClient schmidtScreen = FeedClient.connect(eventsPort, "schmidt", "token=" + schmidt.apiKey());
             Connection holder = DriverManager.getConnection(TestDatabase.url(), TestDatabase.USER, TestDatabase.PASSWORD)) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("select 1 from tenant where id = ? for update")) {
                lock.setLong(1, muellerId);
                lock.executeQuery().close();
            }

            List<CompletableFuture<Http.Response>> stalled = new ArrayList<>();
            for (int i = 0; i < 4; i++) { // one at a time: each worker stalls on a webhook of its own
                stalled.add(post(senders, Fixtures.PHONE_NUMBER_ID, Fixtures.APP_SECRET, "4917600000" + i, "wamid.gc-stalled-" + i,
                        now, "Erste Welle " + i));
                long stalledWorkers = i + 1;
                await().atMost(WAIT).until(() -> count("""
                        select count(*) from pg_stat_activity
                        where wait_event_type = 'Lock' and datname = current_database()""") == stalledWorkers);
            }

            List<CompletableFuture<Http.Response>> queued = new ArrayList<>();
            CompletableFuture<Http.Response> poisoned = null;
            for (int i = 0; i < 10; i++) {
                boolean ofMueller = i % 2 == 0;
                String text = i == 5 ? "GIFT" : "Zweite Welle " + i;
                CompletableFuture<Http.Response> r = post(senders,
                        ofMueller ? Fixtures.PHONE_NUMBER_ID : OTHER_PHONE_NUMBER_ID,
                        ofMueller ? Fixtures.APP_SECRET : OTHER_APP_SECRET,
                        "4915100000" + i, "wamid.gc-queued-" + i, now, text);
                if (i == 5) {
                    poisoned = r;
                } else {
                    queued.add(r);
                }
            }
            await().atMost(WAIT).until(() -> waiting() == 10);
            // Held back, nothing was acknowledged: a 200 still means committed.
            assertThat(stalled).noneMatch(CompletableFuture::isDone);
            assertThat(queued).noneMatch(CompletableFuture::isDone);

            holder.rollback(); // let the commits through

            for (CompletableFuture<Http.Response> r : stalled) {
                assertThat(r.get().status()).isEqualTo(200);
            }
            for (CompletableFuture<Http.Response> r : queued) {
                assertThat(r.get().status()).isEqualTo(200);
            }
            Http.Response refused = poisoned.get();
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.code()).isEqualTo("STORAGE_UNAVAILABLE");
            // They did share transactions: fewer batches than webhooks committed through them.
            assertThat(batches().totalAmount() - webhooksBefore).isGreaterThan(batches().count() - batchesBefore);

            assertThat(count("select count(*) from message where text = 'GIFT'")).isZero();
            assertThat(count("select count(*) from message m join tenant t on t.id = m.tenant_id "
                    + "where t.slug = 'mueller' and m.provider_message_id like 'wamid.gc-%'")).isEqualTo(4 + 5);
            assertThat(count("select count(*) from message m join tenant t on t.id = m.tenant_id "
                    + "where t.slug = 'schmidt' and m.provider_message_id like 'wamid.gc-%'")).isEqualTo(4);
            // The tenant API of each shows its own messages only.
            assertThat(api(schmidt, "/api/v1/conversations").body()).doesNotContain("4915100000" + 0).contains("4915100000" + 1);

            // Every committed message reaches its own tenant's screen, in event-id order without a gap.
            assertThat(inbound(muellerScreen, 9)).containsExactlyInAnyOrder("wamid.gc-stalled-0", "wamid.gc-stalled-1",
                    "wamid.gc-stalled-2", "wamid.gc-stalled-3", "wamid.gc-queued-0", "wamid.gc-queued-2",
                    "wamid.gc-queued-4", "wamid.gc-queued-6", "wamid.gc-queued-8");
            assertThat(inbound(schmidtScreen, 4)).containsExactlyInAnyOrder("wamid.gc-queued-1", "wamid.gc-queued-3",
                    "wamid.gc-queued-7", "wamid.gc-queued-9");
            for (String slug : List.of("mueller", "schmidt")) {
                long events = count("select count(*) from tenant_event e join tenant t on t.id = e.tenant_id where t.slug = ?", slug);
                assertThat(count("select max(e.id) from tenant_event e join tenant t on t.id = e.tenant_id where t.slug = ?", slug))
                        .isEqualTo(events);
            }

            // The provider's retry of the refused webhook, now harmless, is stored once.
            jdbc.execute("drop trigger group_commit_poison on message");
            Http.Response retried = post(senders, OTHER_PHONE_NUMBER_ID, OTHER_APP_SECRET, "49151000005", "wamid.gc-queued-5", now,
                    "GIFT").get();
            assertThat(retried.status()).isEqualTo(200);
            assertThat(count("select count(*) from message where provider_message_id = 'wamid.gc-queued-5'")).isEqualTo(1);
        } finally {
            senders.shutdownNow();
            jdbc.execute("drop trigger if exists group_commit_poison on message");
            jdbc.execute("drop function if exists group_commit_poison()");
        }
    }

    private CompletableFuture<Http.Response> post(ExecutorService senders, String phoneNumberId, String secret, String from,
                                                  String wamid, long timestamp, String text) {
        return CompletableFuture.supplyAsync(() -> postWhatsappSigned(whatsappText(phoneNumberId, from, wamid, timestamp, text),
                secret), senders);
    }

    private io.micrometer.core.instrument.DistributionSummary batches() {
        return meters.get("gateway.webhooks.group.commit.batch").summary();
    }

    private double waiting() {
        return meters.get("gateway.webhooks.group.commit.waiting").gauge().value();
    }

    private static List<String> inbound(FeedClient screen, int expected) {
        Set<String> seen = new HashSet<>();
        List<JsonNode> events = screen.until(e -> {
            if ("messaging.inbound".equals(e.path("type").asText())) {
                seen.add(e.path("message").path("providerMessageId").asText());
            }
            return seen.size() == expected;
        }, WAIT);
        List<String> ids = new ArrayList<>();
        long previous = 0;
        for (JsonNode e : events) {
            assertThat(e.path("id").asLong()).isGreaterThan(previous);
            previous = e.path("id").asLong();
            if ("messaging.inbound".equals(e.path("type").asText())) {
                ids.add(e.path("message").path("providerMessageId").asText());
            }
        }
        return ids;
    }
}
