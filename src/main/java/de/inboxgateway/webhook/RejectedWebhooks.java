package de.inboxgateway.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.support.Channel;
import de.inboxgateway.support.Text;

/**
 * Called from the webhook error handling: who sent a webhook that failed verification, and why.
 *
 * <p>Unauthenticated noise must not fill the append-only audit trail (nor the log): per source
 * address, claimed tenant and channel, the first rejection of a minute is written at once, in full;
 * the rest of that minute are only counted, and one {@code webhook.signature-invalid.repeated} entry
 * with the count follows when the minute is over (job {@code source-blocks-purge}, or the next
 * rejection). The windows are bounded: the oldest are written out first when there are too many.
 */
@Component("rejectedWebhooks")
public class RejectedWebhooks {

    private static final Logger LOG = LoggerFactory.getLogger(RejectedWebhooks.class);
    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final int MAX_WINDOWS = 10_000;

    private final AuditLog audit;
    private final ClientAddress clientAddress;
    private final Clock clock;
    private final LinkedHashMap<Key, Window> windows = new LinkedHashMap<>();

    public RejectedWebhooks(AuditLog audit, ClientAddress clientAddress, Clock clock) {
        this.audit = audit;
        this.clientAddress = clientAddress;
        this.clock = clock;
    }

    private record Key(String source, Long tenantId, Channel channel) {
    }

    private static final class Window {
        final Instant start;
        int repeated;
        String lastReason;

        Window(Instant start) {
            this.start = start;
        }
    }

    public void audit(Exchange exchange) {
        SignatureInvalidException e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, SignatureInvalidException.class);
        if (e == null) {
            return;
        }
        String source = Text.forLog(clientAddress.of(exchange), 64); // the real client, not the proxy
        // Everything quoted here came from the caller: escaped (no forged log lines) and bounded.
        String reason = Text.forLog(e.reason(), 300);
        String path = Text.forLog(String.valueOf(exchange.getMessage().getHeader(Exchange.HTTP_URI)), 120);
        Key key = new Key(source, e.tenantId(), e.channel());
        Instant now = clock.instant();
        List<Map.Entry<Key, Window>> due = new ArrayList<>();
        boolean first;
        synchronized (windows) {
            Window window = windows.get(key);
            if (window != null && now.isBefore(window.start.plus(WINDOW))) {
                window.repeated++;
                window.lastReason = reason;
                first = false;
            } else {
                if (window != null) {
                    windows.remove(key);
                    due.add(Map.entry(key, window));
                }
                windows.put(key, new Window(now));
                first = true;
                while (windows.size() > MAX_WINDOWS) { // bounded: the oldest window is written out early
                    Iterator<Map.Entry<Key, Window>> oldest = windows.entrySet().iterator();
                    Map.Entry<Key, Window> entry = oldest.next();
                    oldest.remove();
                    due.add(entry);
                }
            }
        }
        writeRepeated(due);
        if (first) {
            LOG.warn("webhook rejected: channel={} source={} reason={}", e.channel(), source, reason);
            write(new AuditLog.Entry(e.tenantId(), "webhook.signature-invalid", "provider-webhook", e.channel().wire(), null,
                    source, Map.of("reason", reason, "path", path)));
        }
    }

    /** Job ({@code source-blocks-purge}): the counts of the windows that are over are written. */
    public void flush() {
        flush(clock.instant());
    }

    /** With the operator's lifting of every block: counts so far are written, and every window starts over. */
    public void flushAll() {
        flush(Instant.MAX);
    }

    private void flush(Instant now) {
        List<Map.Entry<Key, Window>> due = new ArrayList<>();
        synchronized (windows) {
            for (Iterator<Map.Entry<Key, Window>> it = windows.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<Key, Window> entry = it.next();
                if (now == Instant.MAX || !now.isBefore(entry.getValue().start.plus(WINDOW))) {
                    it.remove();
                    due.add(entry);
                }
            }
        }
        writeRepeated(due);
    }

    private void writeRepeated(List<Map.Entry<Key, Window>> due) {
        for (Map.Entry<Key, Window> entry : due) {
            Window window = entry.getValue();
            if (window.repeated == 0) {
                continue;
            }
            Key key = entry.getKey();
            LOG.warn("webhook rejected {} more times: channel={} source={} since {} (last reason: {})", window.repeated,
                    key.channel(), key.source(), window.start, window.lastReason);
            write(new AuditLog.Entry(key.tenantId(), "webhook.signature-invalid.repeated", "provider-webhook",
                    key.channel().wire(), null, key.source(), Map.of("count", window.repeated,
                            "from", window.start.toString(), "lastReason", window.lastReason)));
        }
    }

    private void write(AuditLog.Entry entry) {
        try {
            // Written for the tenant the request claimed, before any tenant was verified: system work.
            TenantScope.asSystem(() -> audit.record(entry));
        } catch (RuntimeException storageDown) {
            // The 401 stands even when the trail cannot be written; the log line keeps the facts.
            LOG.error("could not write the audit entry for a rejected webhook: {}", storageDown.getMessage());
        }
    }
}
