package de.inboxgateway.webhook;

import de.inboxgateway.support.Channel;

/**
 * A webhook whose signature did not verify. Answered with 401 {@code SIGNATURE_INVALID}; the reason
 * goes to the audit trail only, never to the caller.
 */
public class SignatureInvalidException extends RuntimeException {

    private final Channel channel;
    private final Long tenantId;
    private final String claimedNumber;

    public SignatureInvalidException(Channel channel, Long tenantId, String reason) {
        this(channel, tenantId, null, reason);
    }

    public SignatureInvalidException(Channel channel, Long tenantId, String claimedNumber, String reason) {
        super(reason, null, false, false); // no stack trace: this is an expected, frequent outcome
        this.channel = channel;
        this.tenantId = tenantId;
        this.claimedNumber = claimedNumber;
    }

    /** The business number (or phone_number_id) the request claimed to be for, if it named one. */
    public String claimedNumber() { return claimedNumber; }

    public Channel channel() { return channel; }
    /** The tenant the request claimed to be for, when its number is known; null otherwise. */
    public Long tenantId() { return tenantId; }
    public String reason() { return getMessage(); }
}
