package de.inboxgateway.outbound;

import java.time.Instant;
import java.util.Optional;

import de.inboxgateway.support.Channel;

/**
 * What the outbound lifecycle needs of opt-outs: a provider's refusal that means "unsubscribed"
 * (Twilio 21610) records one. Implemented by the opt-out repository, so that the outbound package
 * depends on no opt-out code (the opt-out gate depends on outbound, not the other way round).
 */
public interface OptOutRecorder {

    /** Records an opt-out unless one is active; the new opt-out's id, or empty. */
    Optional<Long> recordIfNotActive(long tenantId, Channel channel, String phone, String source, String sourceMessageId,
                                     Instant now);
}
