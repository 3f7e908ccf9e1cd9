package de.inboxgateway.webhook;

import java.util.Map;

import org.apache.camel.Exchange;

import de.inboxgateway.support.Text;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.audit.AuditLog;

/** Called from the webhook error handling: who sent a webhook that failed verification, and why. */
@Component("rejectedWebhooks")
public class RejectedWebhooks {

    private static final Logger LOG = LoggerFactory.getLogger(RejectedWebhooks.class);
    private final AuditLog audit;
    private final ClientAddress clientAddress;

    public RejectedWebhooks(AuditLog audit, ClientAddress clientAddress) {
        this.audit = audit;
        this.clientAddress = clientAddress;
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
        LOG.warn("webhook rejected: channel={} source={} reason={}", e.channel(), source, reason);
        try {
            // Written for the tenant the request claimed, before any tenant was verified: system work.
            TenantScope.asSystem(() -> audit.record(new AuditLog.Entry(e.tenantId(), "webhook.signature-invalid",
                    "provider-webhook", e.channel().wire(), null, source, Map.of("reason", reason, "path", path))));
        } catch (RuntimeException storageDown) {
            // The 401 stands even when the trail cannot be written; the log line above keeps the facts.
            LOG.error("could not write the audit entry for a rejected webhook: {}", storageDown.getMessage());
        }
    }
}
