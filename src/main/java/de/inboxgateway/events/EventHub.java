package de.inboxgateway.events;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.vertx.core.http.ServerWebSocket;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.tenant.Tenant;
import de.inboxgateway.tenant.TenantRepository;

/**
 * This instance's inbox screens, per tenant, and the delivery of the tenant's events to them.
 * The event table is the source of truth: a NOTIFY only says "look", and each delivery reads every
 * committed event after the last one this instance delivered, so a lost notification or a dropped
 * LISTEN connection delays an event but never loses it.
 *
 * <p>Per tenant, registering a screen (with its replay from {@code ?since=}) and delivering new
 * events take the same lock, and each screen remembers the last id it got: the seam between replay
 * and live stream has no gap and no duplicate. Writes use Vert.x's non-blocking write queue, bounded
 * per screen. A screen whose queue fills up is paused: it gets nothing more until its queue drains,
 * then catches up from the table in order. A screen still full after the grace period is closed
 * (4008, "too slow") and resumes with since. So a burst never costs a healthy screen an event, and a
 * stalled screen never holds up the others or the pipeline.
 */
@Component("eventHub")
public class EventHub {

    /** Close code for a screen that cannot keep up; it reconnects with ?since=<last id it got>. */
    public static final short TOO_SLOW = 4008;
    /** Close code for a screen whose API key was revoked; reconnecting needs a valid key. */
    public static final short KEY_REVOKED = 4001;
    /** Close code for a screen past gateway.events.max-screen-lifetime; it reconnects with ?since=. */
    public static final short LIFETIME_OVER = 4002;
    private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
    private static final int PAGE = 500;

    private final EventLog log;
    private final TenantRepository tenants;
    private final EventFrames frames;
    private final int maxQueuedBytes;
    private final long graceNanos;
    private final java.util.concurrent.ExecutorService catchUps = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "event-catch-up");
        t.setDaemon(true);
        return t;
    });
    private final Map<Long, TenantFeed> feeds = new ConcurrentHashMap<>();
    private final Map<String, TenantFeed> feedByConnection = new ConcurrentHashMap<>();

    private final java.time.Clock clock;
    private final java.time.Duration maxLifetime;

    public EventHub(EventLog log, TenantRepository tenants, EventFrames frames, GatewayProperties properties,
                    java.time.Clock clock) {
        this.clock = clock;
        this.frames = frames;
        this.maxLifetime = properties.getEvents().getMaxScreenLifetime();
        this.log = log;
        this.tenants = tenants;
        this.maxQueuedBytes = properties.getEvents().getMaxQueuedBytes();
        this.graceNanos = properties.getEvents().getSlowScreenGrace().toNanos();
    }

    private static final class Screen {
        final String key;
        final ServerWebSocket socket;
        final Long apiKeyId;
        final java.time.Instant openedAt;
        long lastSent;
        boolean paused;
        long pausedAtNanos;

        Screen(String key, ServerWebSocket socket, Long apiKeyId, java.time.Instant openedAt, long lastSent) {
            this.key = key;
            this.socket = socket;
            this.apiKeyId = apiKeyId;
            this.openedAt = openedAt;
            this.lastSent = lastSent;
        }
    }

    private static final class TenantFeed {
        final long tenantId;
        final String slug;
        final Map<String, Screen> screens = new ConcurrentHashMap<>();
        long lastDelivered = -1;

        TenantFeed(long tenantId, String slug) {
            this.tenantId = tenantId;
            this.slug = slug;
        }
    }

    /**
     * A screen connected (the handshake was authenticated by {@link EventsServerConfiguration}). The tenant is
     * read from the socket's real path, never from a header: query parameters become headers too.
     */
    public void opened(@Body ServerWebSocket socket, @Header("CamelVertxWebsocket.connectionKey") String key) {
        String slug = tenantOf(socket.path());
        Optional<Tenant> tenant = slug == null ? Optional.empty() : tenants.findBySlug(slug);
        if (tenant.isEmpty()) {
            socket.close((short) 1008, "unknown tenant");
            return;
        }
        Long asked = since(socket.query());
        // Without ?since= the start is the handshake's, not now: an event committed in between is not skipped.
        Long since = asked != null ? asked : headerLong(socket.headers().get(EventsServerConfiguration.FEED_START));
        socket.setWriteQueueMaxSize(maxQueuedBytes);
        TenantFeed feed = feeds.computeIfAbsent(tenant.get().id(), id -> new TenantFeed(id, slug));
        Long apiKeyId = headerLong(socket.headers().get(EventsServerConfiguration.FEED_KEY));
        TenantScope.as(feed.tenantId, () -> register(feed, key, socket, apiKeyId, since));
        LOG.debug("events: screen {} of tenant {} connected (since {})", key, slug, since);
    }

    private void register(TenantFeed feed, String key, ServerWebSocket socket, Long apiKeyId, Long since) {
        synchronized (feed) {
            long committed = log.lastId(feed.tenantId);
            if (feed.lastDelivered < 0 || feed.lastDelivered > committed) { // > only after a database reset
                feed.lastDelivered = committed;
            }
            Screen screen = new Screen(key, socket, apiKeyId, clock.instant(), since == null ? feed.lastDelivered : since);
            if (since != null && since < feed.lastDelivered) {
                replay(feed, screen);
            }
            if (!screen.paused) { // a paused replay resumes from lastSent when the queue drains
                screen.lastSent = Math.max(screen.lastSent, feed.lastDelivered);
            }
            if (socket.isClosed()) {
                return;
            }
            feed.screens.put(key, screen);
            feedByConnection.put(key, feed);
            if (socket.isClosed()) { // CLOSE may have raced past us (OPEN and CLOSE run unordered)
                feed.screens.remove(key);
                feedByConnection.remove(key);
            }
        }
    }

    public void closed(@Header("CamelVertxWebsocket.connectionKey") String key) {
        TenantFeed feed = feedByConnection.remove(key);
        if (feed != null) {
            synchronized (feed) {
                feed.screens.remove(key);
            }
        }
    }

    /** Delivers every committed event of the tenant this instance has not delivered yet. */
    public void deliver(@Body Long tenantId) {
        TenantFeed feed = feeds.get(tenantId);
        if (feed == null) {
            return;
        }
        TenantScope.as(tenantId, () -> deliver(feed));
    }

    private void deliver(TenantFeed feed) {
        synchronized (feed) {
            if (feed.screens.isEmpty()) {
                feed.lastDelivered = -1; // re-read when the next screen connects
                return;
            }
            List<EventLog.StoredEvent> page;
            do {
                page = log.after(feed.tenantId, feed.lastDelivered, PAGE);
                for (EventLog.StoredEvent event : page) {
                    String json = toJson(feed.slug, event);
                    for (Screen screen : feed.screens.values()) {
                        if (event.id() > screen.lastSent && !screen.paused) {
                            send(feed, screen, event.id(), json);
                        }
                    }
                    feed.lastDelivered = event.id();
                }
            } while (page.size() == PAGE);
            closeStalled(feed);
        }
    }

    /** A paused screen's queue drained: it gets what it missed, in order, then the live stream again. */
    private void catchUp(TenantFeed feed, Screen screen) {
        TenantScope.as(feed.tenantId, () -> {
            synchronized (feed) {
                if (screen.paused && feed.screens.containsKey(screen.key)) {
                    screen.paused = false;
                    replay(feed, screen);
                }
            }
        });
    }

    private void closeStalled(TenantFeed feed) {
        long now = System.nanoTime();
        for (Screen screen : feed.screens.values()) {
            if (screen.paused && now - screen.pausedAtNanos > graceNanos) {
                LOG.info("events: screen {} of tenant {} is too slow, closing it at event {}", screen.key, feed.slug,
                        screen.lastSent);
                feed.screens.remove(screen.key);
                feedByConnection.remove(screen.key);
                screen.socket.close(TOO_SLOW, "too slow; reconnect with since=" + screen.lastSent);
            }
        }
    }

    /** After a lost LISTEN connection, and as a periodic safety net: deliver whatever is due. */
    public void deliverAll() {
        for (Long tenantId : feeds.keySet()) {
            try {
                deliver(tenantId);
            } catch (RuntimeException e) {
                LOG.warn("events: catch-up for tenant {} failed: {}", tenantId, e.getMessage());
            }
        }
    }

    /** The key was revoked (on any instance: the NOTIFY brings it here): its screens are closed. */
    public int closeScreensOf(long apiKeyId) {
        int closed = 0;
        for (TenantFeed feed : feeds.values()) {
            for (Screen screen : feed.screens.values()) {
                if (screen.apiKeyId != null && screen.apiKeyId == apiKeyId && !screen.socket.isClosed()) {
                    screen.socket.close(KEY_REVOKED, "API key revoked");
                    closed++;
                }
            }
        }
        if (closed > 0) {
            LOG.info("events: closed {} screen(s) of revoked API key {}", closed, apiKeyId);
        }
        return closed;
    }

    /** Job: screens open longer than gateway.events.max-screen-lifetime reconnect, so their key is checked again. */
    public int closeExpired() {
        java.time.Instant cutoff = clock.instant().minus(maxLifetime);
        int closed = 0;
        for (TenantFeed feed : feeds.values()) {
            for (Screen screen : feed.screens.values()) {
                if (screen.openedAt.isBefore(cutoff) && !screen.socket.isClosed()) {
                    screen.socket.close(LIFETIME_OVER, "lifetime over; reconnect with since=" + screen.lastSent);
                    closed++;
                }
            }
        }
        return closed;
    }

    public int screens() {
        return feedByConnection.size();
    }

    private void replay(TenantFeed feed, Screen screen) {
        long after = screen.lastSent;
        List<EventLog.StoredEvent> page;
        do {
            page = log.after(feed.tenantId, after, PAGE);
            for (EventLog.StoredEvent event : page) {
                if (event.id() > feed.lastDelivered) {
                    return; // the live stream delivers the rest
                }
                send(feed, screen, event.id(), toJson(feed.slug, event));
                if (screen.paused) {
                    return; // continues when the queue drains
                }
                after = event.id();
            }
        } while (page.size() == PAGE && !screen.socket.isClosed());
    }

    private void send(TenantFeed feed, Screen screen, long id, String json) {
        if (screen.socket.isClosed()) {
            feed.screens.remove(screen.key);
            return;
        }
        if (screen.socket.writeQueueFull()) {
            screen.paused = true;
            screen.pausedAtNanos = System.nanoTime();
            screen.socket.drainHandler(v -> catchUps.execute(() -> catchUp(feed, screen)));
            if (!screen.socket.writeQueueFull()) { // it drained before the handler was in place
                catchUps.execute(() -> catchUp(feed, screen));
            }
            return;
        }
        screen.socket.writeTextMessage(json);
        screen.lastSent = id;
    }

    private String toJson(String slug, EventLog.StoredEvent event) {
        return frames.render(slug, event);
    }

    static String tenantOf(String path) {
        if (path == null || !path.startsWith("/events/")) {
            return null;
        }
        String slug = path.substring("/events/".length());
        return slug.matches("[a-z0-9][a-z0-9-]{0,62}") ? slug : null;
    }

    private static Long headerLong(String value) {
        try {
            return value == null ? null : Long.valueOf(value);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    static Long since(String query) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("since=")) {
                try {
                    long value = Long.parseLong(URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8));
                    return value < 0 ? 0L : value;
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }
}
