package de.inboxgateway.events;

import java.util.Optional;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import de.inboxgateway.access.ApiKeyRepository;
import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.access.Scope;

/**
 * The Vert.x server behind the camel-vertx-websocket consumer, with authentication before the
 * upgrade: a missing, revoked or foreign-tenant key, or one without {@code events:read}, gets 401
 * and never a socket. The key comes as {@code ?token=} (browsers cannot set headers on a
 * WebSocket) or as {@code Authorization: Bearer}. Tokens are never logged.
 */
@Configuration(proxyBeanMethods = false)
public class EventsServerConfiguration {

    @Bean(destroyMethod = "close")
    public Vertx vertx() {
        return Vertx.vertx();
    }

    /** Bounded socket buffers: a screen that stops reading fills them, and the feed notices. */
    @Bean
    public io.vertx.core.http.HttpServerOptions eventsServerOptions(de.inboxgateway.config.GatewayProperties properties) {
        return new io.vertx.core.http.HttpServerOptions()
                .setSendBufferSize(properties.getEvents().getSendBufferBytes())
                .setTcpKeepAlive(true)
                .setMaxWebSocketFrameSize(65536)
                .setWebSocketClosingTimeout(5); // seconds a closed screen gets to answer before its connection is dropped
    }

    /** The component picks up the single Router bean; Camel's own route is added after this one. */
    @Bean
    public Router eventsRouter(Vertx vertx, ApiKeyRepository keys, EventLog log) {
        Router router = Router.router(vertx);
        router.route("/events/:tenant").handler(ctx -> authenticate(ctx, keys, log));
        return router;
    }

    /**
     * Request header the handshake sets for the OPEN handler: the tenant's newest committed event id,
     * read before the upgrade completes. A screen without {@code since} starts there, so every event
     * committed after the client saw the socket open reaches it (set, never taken from the client).
     */
    static final String FEED_START = "X-Gateway-Feed-Start";
    /** Request header the handshake sets for the OPEN handler: the id of the API key that opened the screen. */
    static final String FEED_KEY = "X-Gateway-Feed-Key";

    private record Admitted(Optional<ApiPrincipal> principal, long newestEventId) {
    }

    /**
     * The key lookup is a database query, so it runs off the event loop; the request is paused
     * meanwhile, because the upgrade must happen before Vert.x has consumed the request.
     */
    static void authenticate(RoutingContext ctx, ApiKeyRepository keys, EventLog log) {
        String param = ctx.request().getParam("token");
        String header = ctx.request().getHeader("Authorization");
        String token = param != null && !param.isBlank() ? param
                : header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
        ctx.request().pause();
        ctx.vertx().<Admitted>executeBlocking(() -> {
                    Optional<ApiPrincipal> principal = token == null || token.isBlank() ? Optional.empty()
                            : de.inboxgateway.access.TenantScope.asSystem(() -> keys.findActive(token));
                    long newest = principal.isEmpty() ? -1 : de.inboxgateway.access.TenantScope.as(
                            principal.get().tenantId(), () -> log.lastId(principal.get().tenantId()));
                    return new Admitted(principal, newest);
                }, false)
                .onComplete(result -> {
                    if (result.failed()) {
                        ctx.request().resume();
                        ctx.response().setStatusCode(503).putHeader("Content-Type", "application/json")
                                .end("{\"code\":\"STORAGE_UNAVAILABLE\",\"message\":\"retry later\"}");
                    } else {
                        decide(ctx, result.result());
                    }
                });
    }

    private static void decide(RoutingContext ctx, Admitted admitted) {
        Optional<ApiPrincipal> principal = admitted.principal();
        String tenant = ctx.pathParam("tenant");
        if (principal.isEmpty() || !principal.get().scopes().contains(Scope.EVENTS_READ)
                || !principal.get().tenantSlug().equals(tenant)) {
            ctx.request().resume();
            ctx.response().setStatusCode(401).putHeader("Content-Type", "application/json")
                    .end("{\"code\":\"UNAUTHENTICATED\",\"message\":\"an API key with events:read of this tenant is required\"}");
            return;
        }
        // Camel copies query parameters into the feed exchange's headers, and an error path may log
        // those: the key has done its work here, so it goes before Camel sees the request.
        ctx.queryParams().remove("token");
        ctx.request().headers().set(FEED_START, Long.toString(admitted.newestEventId()));
        ctx.request().headers().set(FEED_KEY, Long.toString(principal.get().keyId())); // closed when it is revoked
        ctx.next();
    }
}
