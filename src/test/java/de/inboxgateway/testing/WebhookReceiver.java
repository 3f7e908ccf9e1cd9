package de.inboxgateway.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

/**
 * A loopback ERP endpoint for the push tests: records every request (headers lower-cased, the raw
 * body) and answers as the test tells it: any status, a hang until released, or not at all (stopped).
 */
public final class WebhookReceiver implements AutoCloseable {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public record Request(String path, Map<String, String> headers, String body, long receivedNanos) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public JsonNode json() {
            try {
                return MAPPER.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        public String webhookId() {
            return header("webhook-id");
        }

        public long eventId() {
            return json().path("id").asLong();
        }
    }

    /** How the receiver answers one request. */
    public record Answer(int status, Map<String, String> headers, String body, CountDownLatch hangUntil, boolean endless, boolean trickle) {
        public static Answer status(int status) {
            return new Answer(status, Map.of(), "", null, false, false);
        }

        public static Answer status(int status, String header, String value) {
            return new Answer(status, Map.of(header, value), "", null, false, false);
        }

        /** Holds the request open until the latch opens (or 30 s pass), then answers 200. */
        public static Answer hang(CountDownLatch release) {
            return new Answer(200, Map.of(), "", release, false, false);
        }

        /** Headers at once, then one byte of body every 300 ms for 10 s: never idle long enough for a read timeout. */
        public static Answer trickle(int status) {
            return new Answer(status, Map.of(), "", null, false, true);
        }

        /** A body that never ends (chunks of 'x' until the caller hangs up, at most 30 s). */
        public static Answer endless(int status) {
            return new Answer(status, Map.of(), "", null, true, false);
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Set<String> inProgress = ConcurrentHashMap.newKeySet();
    private final AtomicInteger overlaps = new AtomicInteger();
    private volatile Function<Request, Answer> behaviour = r -> Answer.status(200);
    private volatile long delayMillis;

    public WebhookReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 50);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "webhook-receiver");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", exchange -> {
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Request request = new Request(exchange.getRequestURI().getPath(), headers, body, System.nanoTime());
            String id = request.webhookId();
            if (id != null && !inProgress.add(id)) {
                overlaps.incrementAndGet(); // the same delivery attempted twice at the same time
            }
            requests.add(request);
            try {
                Answer answer = behaviour.apply(request);
                if (answer.hangUntil() != null) {
                    answer.hangUntil().await(30, TimeUnit.SECONDS);
                }
                if (delayMillis > 0) {
                    TimeUnit.MILLISECONDS.sleep(delayMillis); // a slow receiver, not test synchronisation
                }
                answer.headers().forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
                if (answer.trickle()) {
                    exchange.sendResponseHeaders(answer.status(), 0);
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    try (OutputStream out = exchange.getResponseBody()) {
                        while (System.nanoTime() < until) {
                            out.write('.');
                            out.flush();
                            TimeUnit.MILLISECONDS.sleep(300); // the receiver's pace, not test synchronisation
                        }
                    }
                    return;
                }
                if (answer.endless()) {
                    exchange.sendResponseHeaders(answer.status(), 0);
                    byte[] chunk = "x".repeat(8192).getBytes(StandardCharsets.US_ASCII);
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    try (OutputStream out = exchange.getResponseBody()) {
                        while (System.nanoTime() < until) {
                            out.write(chunk);
                            out.flush();
                        }
                    }
                    return;
                }
                byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
                if (bytes.length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(bytes);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException ignored) {
                // the gateway hung up (its timeout): nothing to answer
            } finally {
                if (id != null) {
                    inProgress.remove(id);
                }
                exchange.close();
            }
        });
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public void answer(Function<Request, Answer> behaviour) {
        this.behaviour = behaviour;
    }

    public void delay(long millis) {
        this.delayMillis = millis;
    }

    public List<Request> requests() {
        return new ArrayList<>(requests);
    }

    public List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Times the same webhook-id was being attempted while an attempt of it was still open. */
    public int overlaps() {
        return overlaps.get();
    }

    public void reset() {
        requests.clear();
        overlaps.set(0);
        delayMillis = 0;
        behaviour = r -> Answer.status(200);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
