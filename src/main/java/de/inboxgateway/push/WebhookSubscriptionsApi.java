package de.inboxgateway.push;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

import de.inboxgateway.access.ApiPrincipal;
import de.inboxgateway.api.Cursor;
import de.inboxgateway.api.Reply;
import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.config.GatewayProperties;
import de.inboxgateway.events.EventLog;
import de.inboxgateway.support.AfterCommit;
import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.GatewayExchange;
import de.inboxgateway.support.Json;
import de.inboxgateway.support.Text;

/**
 * {@code /api/v1/webhook-subscriptions} (scope {@code webhooks:manage}): a tenant's subscriptions,
 * their delivery log, the retry of one delivery and the replay since an event. The key decides the
 * tenant: another tenant's subscription is 404 like one that does not exist.
 */
@Component("webhookSubscriptionsApi")
public class WebhookSubscriptionsApi {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSubscriptionsApi.class);
    private static final int MAX_DESCRIPTION = 500;
    private final SubscriptionRepository subscriptions;
    private final DeliveryRepository deliveries;
    private final EventLog events;
    private final PushTargets targets;
    private final AuditLog audit;
    private final Json json;
    private final Clock clock;
    private final GatewayProperties properties;
    private final ProducerTemplate producer;

    public WebhookSubscriptionsApi(SubscriptionRepository subscriptions, DeliveryRepository deliveries, EventLog events,
                                   PushTargets targets, AuditLog audit, Json json, Clock clock,
                                   GatewayProperties properties, ProducerTemplate producer) {
        this.subscriptions = subscriptions;
        this.deliveries = deliveries;
        this.events = events;
        this.targets = targets;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
        this.properties = properties;
        this.producer = producer;
    }

    @Transactional
    public Reply create(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Body byte[] body) {
        JsonNode req = object(body);
        String url = targets.check(text(req, "url"));
        List<String> types = types(req);
        String description = description(req);
        String secret = WebhookSigner.newSecret();
        // The events after the newest committed one are this subscription's (its creation is the start).
        Subscription s = subscriptions.create(principal.tenantId(), url, types, description, secret,
                events.lastId(principal.tenantId()), clock.instant());
        audit(principal, "webhook.subscription.created", s, Map.of("url", url));
        Map<String, Object> view = s.view();
        view.put("secret", secret); // shown this once
        return Reply.created(view);
    }

    public Object list(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal) {
        return Map.of("items", subscriptions.list(principal.tenantId()).stream().map(Subscription::view).toList());
    }

    public Object get(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id) {
        return find(principal, id).view();
    }

    /** {@code url}, {@code types}, {@code description}, {@code status} ({@code active|paused}); absent fields stay. */
    @Transactional
    public Object update(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id,
                         @Body byte[] body) {
        JsonNode req = object(body);
        Subscription s = subscriptions.lock(principal.tenantId(), uuid(id))
                .orElseThrow(() -> ApiException.notFound("no webhook subscription " + id));
        String url = req.has("url") ? targets.check(text(req, "url")) : s.url();
        List<String> types = req.has("types") ? types(req) : s.types();
        String description = req.has("description") ? description(req) : s.description();
        String status = s.status();
        Instant heldSince = s.heldSince();
        Instant now = clock.instant();
        boolean resumed = false;
        if (req.has("status")) {
            String wanted = text(req, "status");
            if (Subscription.ACTIVE.equals(wanted)) {
                if (!Subscription.ACTIVE.equals(status)) {
                    if (heldSince != null) { // the held time does not count towards giving up
                        deliveries.extendGiveUp(principal.tenantId(), s.id(), java.time.Duration.between(heldSince, now));
                    }
                    heldSince = null;
                    resumed = true;
                }
            } else if (Subscription.PAUSED.equals(wanted)) {
                if (Subscription.ACTIVE.equals(status)) {
                    heldSince = now;
                }
            } else {
                throw ApiException.invalid("status must be active or paused");
            }
            status = wanted;
        }
        Subscription updated = subscriptions.update(principal.tenantId(), s.id(), url, types, description, status,
                heldSince, now);
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("changed", changed(s, updated));
        audit(principal, "webhook.subscription.updated", updated, detail);
        if (resumed) {
            wakeAfterCommit();
        }
        return updated.view();
    }

    @Transactional
    public Reply delete(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id) {
        Subscription s = find(principal, id);
        subscriptions.delete(principal.tenantId(), s.id());
        audit(principal, "webhook.subscription.deleted", s, Map.of("url", s.url()));
        return Reply.noContent();
    }

    public Object deliveries(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id,
                             @Header("status") String status, @Header("limit") String limit,
                             @Header("cursor") String cursor) {
        Subscription s = find(principal, id);
        String wanted = status == null || status.isBlank() ? null : status.strip();
        if (wanted != null && !List.of(Delivery.PENDING, Delivery.DELIVERED, Delivery.FAILED).contains(wanted)) {
            throw ApiException.invalid("status must be pending, delivered or failed");
        }
        int size = Cursor.limit(limit, properties.getApi());
        Cursor.Position after = Cursor.decodeId(cursor);
        List<Delivery> page = deliveries.list(principal.tenantId(), s.id(), wanted, after == null ? null : after.id(),
                size + 1);
        boolean more = page.size() > size;
        List<Delivery> items = more ? page.subList(0, size) : page;
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("items", items.stream().map(Delivery::view).toList());
        result.put("nextCursor", more ? Cursor.encode(null, items.get(items.size() - 1).eventId()) : null);
        return result;
    }

    /** Re-queues one delivery (a failed one, typically) with a fresh give-up clock. */
    @Transactional
    public Object retry(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id,
                        @Header("eventId") String eventId) {
        Subscription s = find(principal, id);
        long event = eventId(eventId);
        Delivery d = deliveries.requeue(principal.tenantId(), s.id(), event, clock.instant())
                .orElseThrow(() -> ApiException.notFound("subscription " + id + " has no delivery of event " + event));
        audit(principal, "webhook.delivery.retried", s, Map.of("eventId", event));
        wakeAfterCommit();
        return d.view();
    }

    /** Every matching event after {@code sinceEventId} again (within retention, not before the subscription). */
    @Transactional
    public Object replay(@ExchangeProperty(GatewayExchange.PRINCIPAL) ApiPrincipal principal, @Header("id") String id,
                         @Body byte[] body) {
        JsonNode req = object(body);
        JsonNode since = req.get("sinceEventId");
        if (since == null || !since.canConvertToLong() || !since.isIntegralNumber() || since.asLong() < 0) {
            throw ApiException.invalid("sinceEventId is required: an event id (0 for every retained event)");
        }
        Subscription s = subscriptions.lock(principal.tenantId(), uuid(id))
                .orElseThrow(() -> ApiException.notFound("no webhook subscription " + id));
        int queued = deliveries.requeueSince(s, since.asLong(), clock.instant());
        audit(principal, "webhook.subscription.replayed", s, Map.of("sinceEventId", since.asLong(), "queued", queued));
        wakeAfterCommit();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("sinceEventId", since.asLong());
        result.put("queued", queued);
        return Reply.accepted(result);
    }

    private Subscription find(ApiPrincipal principal, String id) {
        return subscriptions.find(principal.tenantId(), uuid(id))
                .orElseThrow(() -> ApiException.notFound("no webhook subscription " + id));
    }

    private static UUID uuid(String id) {
        try {
            return UUID.fromString(id == null ? "" : id.strip());
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("no webhook subscription " + id);
        }
    }

    private static long eventId(String value) {
        try {
            return Long.parseLong(value == null ? "" : value.strip());
        } catch (NumberFormatException e) {
            throw ApiException.notFound("no event " + value);
        }
    }

    private JsonNode object(byte[] body) {
        JsonNode node = json.read(body, JsonNode.class);
        if (!node.isObject()) {
            throw ApiException.invalid("request body must be a JSON object");
        }
        return node;
    }

    private static String text(JsonNode req, String field) {
        JsonNode value = req.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw ApiException.invalid("field '" + field + "' must be a string");
        }
        return value.asText();
    }

    /** Omitted or null: every type. An empty list or an unknown type: 400. */
    private static List<String> types(JsonNode req) {
        JsonNode value = req.get("types");
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray() || value.isEmpty()) {
            throw ApiException.invalid("types must be a non-empty list of event types, or null for every type");
        }
        LinkedHashSet<String> types = new LinkedHashSet<>();
        for (JsonNode t : value) {
            if (!t.isTextual() || !EventTypes.known().contains(t.asText())) {
                throw ApiException.invalid("unknown event type " + Text.truncate(t.toString(), 100) + "; known: "
                        + String.join(", ", EventTypes.known()));
            }
            types.add(t.asText());
        }
        return new ArrayList<>(types);
    }

    private static String description(JsonNode req) {
        String description = text(req, "description");
        if (description != null && description.length() > MAX_DESCRIPTION) {
            throw ApiException.invalid("description is longer than " + MAX_DESCRIPTION + " characters");
        }
        return description == null ? null : Text.clean(description);
    }

    private static List<String> changed(Subscription before, Subscription after) {
        List<String> changed = new ArrayList<>();
        if (!before.url().equals(after.url())) {
            changed.add("url");
        }
        if (!java.util.Objects.equals(before.types(), after.types())) {
            changed.add("types");
        }
        if (!java.util.Objects.equals(before.description(), after.description())) {
            changed.add("description");
        }
        if (!before.status().equals(after.status())) {
            changed.add("status");
        }
        return changed;
    }

    private void audit(ApiPrincipal principal, String type, Subscription s, Map<String, ?> more) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("subscriptionId", s.id().toString());
        detail.put("status", s.status());
        detail.putAll(more);
        audit.record(new AuditLog.Entry(principal.tenantId(), type, principal.actor(), null, null, null, detail));
    }

    /** After the commit: the job looks at once rather than at its next poll. */
    private void wakeAfterCommit() {
        AfterCommit.run(() -> {
            try {
                producer.sendBody(ErpPush.WAKE, null);
            } catch (RuntimeException e) {
                LOG.debug("erp push wake-up not delivered: {}", e.getMessage());
            }
        });
    }
}
