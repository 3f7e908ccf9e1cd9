package de.inboxgateway.hardening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import de.inboxgateway.api.ApiRequestFilter;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;
import de.inboxgateway.testing.Http;

/**
 * The tenant and admin API are bounded before authentication: a body over the limit is refused
 * before it is read, and slow or many API callers cannot take the capacity that answers webhooks.
 */
class RequestLimitsIT extends GatewayTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Autowired
    ApiRequestFilter apiRequests;
    @Autowired
    de.inboxgateway.config.GatewayProperties properties;

    /** Sends a request head (and the start of a body) and leaves the socket open. */
    private Socket begin(String head, String bodyStart) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write((head + "\r\n" + bodyStart).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static String statusLineAndBody(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[8192];
        StringBuilder answer = new StringBuilder();
        int n;
        while (!answer.toString().contains("}") && (n = in.read(buffer)) > 0) {
            answer.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
        return answer.toString();
    }

    @Test
    void anOversizedApiBodyIsRefusedBeforeItIsReadAndBeforeTheKeyIsChecked() throws Exception {
        // 50 MB announced, nothing sent, no key: answered 413 at once (a 401 would mean it got further).
        try (Socket s = begin("POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 52428800\r\n", "")) {
            String answer = statusLineAndBody(s);
            assertThat(answer).startsWith("HTTP/1.1 413").contains("\"code\":\"PAYLOAD_TOO_LARGE\"");
        }
        // The same for the admin API, and for a chunked body that grows past the limit while it is read.
        try (Socket s = begin("PUT /admin/v1/tenants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\n", "")) {
            OutputStream out = s.getOutputStream();
            byte[] chunk = ("100000\r\n" + "x".repeat(0x100000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            out.write(chunk);
            out.write(chunk);
            out.flush();
            assertThat(statusLineAndBody(s)).startsWith("HTTP/1.1 413");
        }
        // Within the limit, everything is as before.
        assertThat(http.post("/api/v1/messages", "{}", "Content-Type", "application/json").status()).isEqualTo(401);
    }

    @Test
    void slowApiCallersCannotTakeTheCapacityThatAnswersWebhooks() throws Exception {
        fixtureTenant();
        TestTenant mueller = new TestTenant("mueller", apiKey("mueller", ALL_SCOPES));
        List<Socket> slow = new ArrayList<>();
        try {
            // As many callers as gateway.api.max-concurrent-requests start a body and stall.
            int limit = properties.getApi().getMaxConcurrentRequests();
            for (int i = 0; i < limit; i++) {
                slow.add(begin("POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 100\r\n", "{\"chan"));
            }
            await().atMost(WAIT).until(() -> apiRequests.inProgress() == limit);

            Http.Response busy = api(mueller, "/api/v1/conversations");
            assertThat(busy.status()).isEqualTo(503);
            assertThat(busy.code()).isEqualTo("API_BUSY");
            assertThat(busy.headers().firstValue("Retry-After")).contains("1");
            // Webhooks are not counted: Meta still gets its 200 and the message is stored.
            assertThat(postWhatsappSigned(whatsappText(Fixtures.PHONE_NUMBER_ID, "4917612345678", "wamid.during-api-flood",
                    Instant.now().getEpochSecond(), "trotzdem angekommen"), Fixtures.APP_SECRET).status()).isEqualTo(200);
            assertThat(count("select count(*) from message where provider_message_id = 'wamid.during-api-flood'")).isEqualTo(1);
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
        // Capacity comes back when the stalled callers go away.
        await().atMost(WAIT).until(() -> apiRequests.inProgress() == 0);
        assertThat(api(mueller, "/api/v1/conversations").status()).isEqualTo(200);
    }

    @Test
    void aCallerThatStopsSendingItsBodyIsCutOffAndItsSlotComesBack() throws Exception {
        try (Socket stalled = begin("POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n", "{\"chan")) {
            await().atMost(WAIT).until(() -> apiRequests.inProgress() == 1);
            // server.tomcat.connection-timeout (10 s): the gateway gives up on the body and frees the slot.
            stalled.setSoTimeout(30_000);
            long started = System.nanoTime();
            InputStream in = stalled.getInputStream();
            byte[] buffer = new byte[4096];
            while (in.read(buffer) >= 0) {
                // whatever the gateway answers before it closes the connection
            }
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(25));
            await().atMost(WAIT).until(() -> apiRequests.inProgress() == 0);
        }
    }
}
