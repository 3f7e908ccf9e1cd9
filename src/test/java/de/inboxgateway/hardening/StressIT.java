package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.channel.whatsapp.HubSignature;

/**
 * First messages of many new senders and re-deliveries of each, shuffled and sent from many threads
 * at once: every message is stored exactly once, every sender gets exactly one conversation, and
 * the event ids stay gap-free.
 */
class StressIT extends GatewayTest {

    @Test
    void parallelFirstMessagesAndReDeliveriesUnderLoad() throws Exception {
        fixtureTenant();
        int senders = 150;
        int perSender = 3;
        List<Callable<Integer>> posts = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            for (int m = 0; m < perSender; m++) {
                byte[] body = whatsappText(Fixtures.PHONE_NUMBER_ID, "49176" + (20_000_000 + s), "wamid.stress-" + s + "-" + m,
                        Instant.now().getEpochSecond() + m, "Nachricht " + m).getBytes(StandardCharsets.UTF_8);
                String signature = HubSignature.sign(Fixtures.APP_SECRET, body);
                for (int copy = 0; copy < 2; copy++) { // every webhook delivered twice
                    posts.add(() -> postWhatsapp(body, signature).status());
                }
            }
        }
        Collections.shuffle(posts, new Random(7));
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (Future<Integer> f : pool.invokeAll(posts)) {
                assertThat(f.get()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(count("select count(*) from conversation")).isEqualTo(senders);
        assertThat(count("select count(*) from message")).isEqualTo(senders * perSender);
        assertThat(count("select count(distinct provider_message_id) from message")).isEqualTo(senders * perSender);
        assertThat(count("select count(*) from (select phone from conversation group by phone having count(*) > 1) d")).isZero();
        long events = count("select count(*) from tenant_event");
        assertThat(events).isEqualTo(senders + senders * perSender); // conversation.created + messaging.inbound
        assertThat(count("select max(id) from tenant_event")).isEqualTo(events); // ids 1..n without a gap
        assertThat(count("select count(*) from tenant_event where type = 'conversation.created'")).isEqualTo(senders);
    }
}
