package de.inboxgateway.optout;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.stereotype.Component;

import de.inboxgateway.audit.AuditLog;
import de.inboxgateway.outbound.OutboundMessage;
import de.inboxgateway.support.GatewayException;

/**
 * Outbound stage: an active opt-out for (tenant, channel, phone) stops the send with 409
 * {@code OPTOUT_ACTIVE} and an audit entry naming who tried what. The one confirmation of an opt-out
 * is the only message that passes, and that is audited too.
 */
@Component("optOutGuard")
public class OptOutGuard {

    private final OptOutRepository optOuts;
    private final AuditLog audit;

    public OptOutGuard(OptOutRepository optOuts, AuditLog audit) {
        this.optOuts = optOuts;
        this.audit = audit;
    }

    public OutboundMessage check(OutboundMessage m) {
        if (!optOuts.isActive(m.tenantId(), m.channel(), m.to())) {
            return m;
        }
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("text", de.inboxgateway.support.Text.truncate(m.text(), 80));
        if (m.id() != null) {
            detail.put("messageId", m.id());
        }
        if (m.resendOf() != null) {
            detail.put("resendOf", m.resendOf());
        }
        if (m.isOptOutConfirmation()) {
            audit.record(new AuditLog.Entry(m.tenantId(), "optout.confirmation-passed", m.actor(), m.channel().wire(),
                    m.to(), null, detail));
            return m;
        }
        audit.record(new AuditLog.Entry(m.tenantId(), "send.blocked-optout", m.actor(), m.channel().wire(), m.to(),
                null, detail));
        throw new GatewayException.Refused("OPTOUT_ACTIVE", m.to() + " opted out of " + m.channel().wire()
                + "; only a documented re-consent (POST /api/v1/optouts/{channel}/{phone}/consent) lifts it");
    }
}
