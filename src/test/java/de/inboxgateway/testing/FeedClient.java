package de.inboxgateway.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A real WebSocket client of the event feed, as an inbox screen would be: every frame is one event. */
public final class FeedClient implements WebSocket.Listener, AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
    /** A field the client adds to each event: System.nanoTime() when its frame arrived. */
    public static final String RECEIVED_NANOS = "_receivedNanos";
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    public static FeedClient connect(int port, String tenant, String query, String... headers) {
        FeedClient client = new FeedClient();
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        try {
            client.socket = builder.buildAsync(URI.create("ws://localhost:" + port + "/events/" + tenant
                    + (query == null ? "" : "?" + query)), client).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return client;
    }

    /** The HTTP status of a refused handshake, or 101 when it was upgraded. */
    public static int handshakeStatus(int port, String tenant, String query, String... headers) {
        try (FeedClient ignored = connect(port, tenant, query, headers)) {
            return 101;
        } catch (IllegalStateException e) {
            Throwable cause = e.getCause() instanceof ExecutionException ee ? ee.getCause() : e.getCause();
            if (cause instanceof WebSocketHandshakeException hs) {
                return hs.getResponse().statusCode();
            }
            throw e;
        }
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            try {
                long arrived = System.nanoTime();
                com.fasterxml.jackson.databind.node.ObjectNode event =
                        (com.fasterxml.jackson.databind.node.ObjectNode) MAPPER.readTree(partial.toString());
                event.put(RECEIVED_NANOS, arrived); // when the frame arrived, not when a test looked
                events.add(event);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            partial.setLength(0);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(-1);
    }

    public JsonNode next(Duration timeout) {
        try {
            JsonNode e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) {
                throw new AssertionError("no event within " + timeout);
            }
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Events until one matches (included), within the timeout. */
    public List<JsonNode> until(Predicate<JsonNode> last, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> seen = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("not seen within " + timeout + "; got " + seen);
            }
            JsonNode e = next(Duration.ofNanos(left));
            seen.add(e);
            if (last.test(e)) {
                return seen;
            }
        }
    }

    /** Whatever arrives within the window. */
    public List<JsonNode> drain(Duration window) {
        List<JsonNode> all = new ArrayList<>();
        long deadline = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                JsonNode e = events.poll(20, TimeUnit.MILLISECONDS);
                if (e != null) {
                    all.add(e);
                }
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return all;
    }

    public CompletableFuture<Integer> closed() {
        return closed;
    }

    @Override
    public void close() {
        if (socket != null && !socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
    }
}
