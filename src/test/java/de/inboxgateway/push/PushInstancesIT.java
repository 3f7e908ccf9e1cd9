package de.inboxgateway.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import de.inboxgateway.InboxGatewayApplication;
import de.inboxgateway.testing.TcpProxy;
import de.inboxgateway.testing.TestDatabase;
import de.inboxgateway.testing.WebhookReceiver;

/**
 * Deliveries are durable work shared by every instance on the database: pending ones outlive the
 * instance that was attempting them, a database outage only delays them, and with several
 * instances each delivery is attempted by one instance at a time.
 */
class PushInstancesIT extends PushFlows {

    private static final String[] PUSH = {"--gateway.push.allow-http=true", "--gateway.push.allow-private-targets=true",
            "--gateway.push.poll-interval=200ms", "--gateway.push.first-retry-delay=300ms",
            "--gateway.push.max-retry-delay=1s", "--gateway.push.timeout=1500ms", "--gateway.push.lease=5s"};

    @Autowired
    private ErpPush erpPush;
    private boolean stopped;

    private ConfigurableApplicationContext secondGateway(String... more) {
        String[] args = new String[PUSH.length + more.length];
        System.arraycopy(PUSH, 0, args, 0, PUSH.length);
        System.arraycopy(more, 0, args, PUSH.length, more.length);
        return new SpringApplicationBuilder(InboxGatewayApplication.class).run(anotherGateway(args));
    }

    /** This instance stops pushing, as a stopped or crashed instance would (ops can do the same). */
    private void stopPushingHere() throws Exception {
        camel.getRouteController().stopRoute("erp-push-poll");
        camel.getRouteController().stopRoute("erp-push-wake");
        stopped = true;
    }

    @AfterEach
    void pushAgainHere() throws Exception {
        if (stopped) {
            camel.getRouteController().startRoute("erp-push-poll");
            camel.getRouteController().startRoute("erp-push-wake");
            stopped = false;
        }
    }

    @Test
    void pendingDeliveriesOutliveTheirInstanceAndAnotherTakesThemUp() throws Exception {
        String id = subscribe(mueller, ERP.url("/restart"), null).path("id").asText();
        ERP.answer(r -> WebhookReceiver.Answer.status(503));
        inbound("4917600000101", "wamid.restart-1");
        inbound("4917600000102", "wamid.restart-2");
        List<Long> events = eventIds("mueller");
        assertThat(events).hasSize(4);
        // each conversation's first event is being retried; the later ones wait behind it
        await().atMost(Duration.ofSeconds(10)).until(() ->
                count("select count(*) from webhook_delivery where status = 'pending'") == 4
                        && count("select count(*) from webhook_delivery where attempts >= 2") == 2);
        stopPushingHere();
        await().atMost(Duration.ofSeconds(10)).until(() -> camel.getInflightRepository().size() == 0);
        // It had just taken them again when it went: the leases are its own for a while yet.
        jdbc.update("update webhook_delivery set lease_owner = 'crashed', lease_until = now() + interval '2 seconds'");
        ERP.answer(r -> WebhookReceiver.Answer.status(200));
        int before = ERP.requests("/restart").size();

        ConfigurableApplicationContext second = secondGateway();
        try {
            String secondInstance = second.getBean(ErpPush.class).instance();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    count("select count(*) from webhook_delivery where status = 'delivered'") == 4);
            assertThat(jdbc.queryForList("select distinct lease_owner from webhook_delivery", String.class))
                    .containsExactly(secondInstance);
            List<WebhookReceiver.Request> after = ERP.requests("/restart").subList(before, ERP.requests("/restart").size());
            assertThat(after).extracting(WebhookReceiver.Request::eventId).containsExactlyInAnyOrderElementsOf(events);
            assertThat(deliveries(mueller, id, "?status=pending").path("items")).isEmpty();
        } finally {
            second.close();
        }
    }

    @Test
    void twoInstancesShareTheWorkAndNeverAttemptOneDeliveryTwiceAtOnce() {
        ERP.delay(300); // a slow ERP keeps this instance's four slots busy, so the other takes the rest
        ConfigurableApplicationContext second = secondGateway();
        try {
            subscribe(mueller, ERP.url("/shared"), null);
            int conversations = 8;
            for (int i = 0; i < conversations; i++) {
                inbound("49176000002" + (10 + i), "wamid.shared-" + i);
            }
            int n = conversations * 2;
            await().atMost(Duration.ofSeconds(40)).until(() ->
                    count("select count(*) from webhook_delivery where status = 'delivered'") == n);

            Map<String, Long> perId = new HashMap<>();
            ERP.requests("/shared").forEach(r -> perId.merge(r.webhookId(), 1L, Long::sum));
            assertThat(perId).hasSize(n).allSatisfy((webhookId, times) -> assertThat(times).as(webhookId).isEqualTo(1));
            assertThat(ERP.overlaps()).as("one delivery attempted twice at the same time").isZero();
            assertThat(count("select count(*) from webhook_delivery where attempts <> 1")).isZero();
            assertThat(jdbc.queryForList("select distinct lease_owner from webhook_delivery", String.class))
                    .containsExactlyInAnyOrder(erpPush.instance(), second.getBean(ErpPush.class).instance());
        } finally {
            second.close();
        }
    }

    @Test
    void aDatabaseOutageOnlyDelaysDeliveries() throws Exception {
        String[] host = TestDatabase.HOST.split(":");
        subscribe(mueller, ERP.url("/outage"), List.of("messaging.inbound"));
        stopPushingHere(); // only the gateway behind the proxy pushes
        try (TcpProxy proxy = new TcpProxy(host[0], Integer.parseInt(host[1]))) {
            ConfigurableApplicationContext cut = secondGateway(
                    "--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + proxy.port() + "/"
                            + databaseUrl().substring(databaseUrl().lastIndexOf('/') + 1),
                    "--spring.datasource.hikari.connection-timeout=1500",
                    "--spring.datasource.hikari.validation-timeout=1000");
            try {
                String instance = cut.getBean(ErpPush.class).instance();
                inbound("4917600000301", "wamid.outage-1");
                await().atMost(Duration.ofSeconds(10)).until(() -> ERP.requests("/outage").size() == 1
                        && count("select count(*) from webhook_delivery where status = 'delivered'") == 1);

                proxy.cut();
                inbound("4917600000301", "wamid.outage-2"); // stored through this instance's own connection
                long second = eventIds("mueller", "messaging.inbound").get(1);
                // polls fail meanwhile (the job logs it once and goes on polling)
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                        .until(() -> ERP.requests("/outage").size() == 1);

                proxy.restore();
                await().atMost(Duration.ofSeconds(30)).until(() -> ERP.requests("/outage").size() == 2);
                assertThat(ERP.requests("/outage").get(1).eventId()).isEqualTo(second);
                await().atMost(Duration.ofSeconds(10)).until(() -> count(
                        "select count(*) from webhook_delivery where status = 'delivered' and lease_owner = '" + instance
                                + "'") == 2);
            } finally {
                cut.close();
            }
        }
    }
}
