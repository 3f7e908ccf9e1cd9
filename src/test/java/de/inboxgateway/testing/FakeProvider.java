package de.inboxgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A real HTTP server on loopback that speaks one provider's protocol: Twilio's Messages API or
 * Meta's Graph API. The gateway reaches it through its production code path with only the base URL
 * changed. It records every request and answers as the test scripts it (success by default).
 */
public final class FakeProvider {

    /** A request as it arrived; {@code raw} is the body's bytes (multipart uploads are binary). */
    public record Request(String method, String path, Map<String, List<String>> headers, String body, String query,
                          byte[] raw) {
        public String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    /**
     * An answer: JSON text, or {@code bytes} of {@code contentType} (written in chunks of unknown
     * length when {@code chunked}); {@code headers} are added as they are (a redirect's Location).
     */
    public record Response(int status, String body, long delayMillis, byte[] bytes, String contentType,
                           Map<String, String> headers, boolean chunked) {
        public Response(int status, String body, long delayMillis) {
            this(status, body, delayMillis, null, "application/json", Map.of(), false);
        }

        public static Response of(int status, String body) {
            return new Response(status, body, 0);
        }

        public static Response bytes(String contentType, byte[] bytes) {
            return new Response(200, "", 0, bytes, contentType, Map.of(), false);
        }

        public static Response redirect(int status, String location) {
            return new Response(status, "", 0, null, "text/plain", Map.of("Location", location), false);
        }

        public Response inChunks() {
            return new Response(status, body, delayMillis, bytes, contentType, headers, true);
        }

        public Response delayed(long millis) {
            return new Response(status, body, millis, bytes, contentType, headers, chunked);
        }
    }

    /** Bytes of answers actually written (to show that a download stopped early). */
    private final java.util.concurrent.atomic.AtomicLong bytesWritten = new java.util.concurrent.atomic.AtomicLong();

    public long bytesWritten() {
        return bytesWritten.get();
    }

    private final HttpServer server;
    private final Function<Request, Response> defaults;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private volatile Function<Request, Response> responder;
    private final AtomicInteger ids = new AtomicInteger();

    private FakeProvider(Function<FakeProvider, Function<Request, Response>> defaults) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.defaults = defaults.apply(this);
        this.responder = this.defaults;
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-provider");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** Twilio's Messages API: 201 with a Message resource. */
    public static FakeProvider twilio() {
        return new FakeProvider(fake -> req -> Response.of(201, """
                {"sid":"%s","account_sid":"%s","from":"+4915735980123","to":"+49","body":"","status":"queued",
                 "direction":"outbound-api","num_segments":"1","num_media":"0","error_code":null,"error_message":null,
                 "date_created":"Mon, 02 Mar 2026 10:03:12 +0000","api_version":"2010-04-01",
                 "uri":"/2010-04-01/Accounts/x/Messages/y.json"}""".formatted(fake.nextSid(), accountFromPath(req.path()))));
    }

    /** Meta's Graph API: 200 with the new message's wamid; a read receipt gets {@code {"success":true}}. */
    public static FakeProvider graph() {
        return new FakeProvider(fake -> req -> req.body().contains("\"status\":\"read\"")
                ? Response.of(200, "{\"success\":true}") : Response.of(200, """
                {"messaging_product":"whatsapp","contacts":[{"input":"+4917612345678","wa_id":"4917612345678"}],
                 "messages":[{"id":"%s"}]}""".formatted(fake.nextWamid())));
    }

    public String baseUrl() {
        // "localhost", not an IP: the Twilio SDK rewrites four-label hosts when a region is set.
        return "http://localhost:" + server.getAddress().getPort();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public void respond(Function<Request, Response> responder) {
        this.responder = responder;
    }

    public void reset() {
        requests.clear();
        bytesWritten.set(0);
        responder = defaults;
    }

    public String nextSid() {
        return String.format("SM%032x", ids.incrementAndGet());
    }

    public String nextWamid() {
        return "wamid.FAKE" + ids.incrementAndGet();
    }

    private void handle(HttpExchange exchange) throws IOException {
        byte[] raw = exchange.getRequestBody().readAllBytes();
        Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                Map.copyOf(exchange.getRequestHeaders()), new String(raw, StandardCharsets.UTF_8),
                exchange.getRequestURI().getRawQuery(), raw);
        requests.add(request);
        Response response = responder.apply(request);
        if (response.delayMillis() > 0) {
            try {
                Thread.sleep(response.delayMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] bytes = response.bytes() != null ? response.bytes() : response.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", response.contentType());
        response.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        try {
            exchange.sendResponseHeaders(response.status(), bytes.length == 0 ? -1 : response.chunked() ? 0 : bytes.length);
            for (int off = 0; off < bytes.length; off += 64 * 1024) {
                int n = Math.min(64 * 1024, bytes.length - off);
                exchange.getResponseBody().write(bytes, off, n);
                bytesWritten.addAndGet(n);
            }
        } catch (IOException clientGone) {
            // the gateway gave up waiting (timeout tests)
        } finally {
            exchange.close();
        }
    }

    private static String accountFromPath(String path) {
        String[] parts = path.split("/");
        return parts.length > 3 ? parts[3] : "";
    }
}
