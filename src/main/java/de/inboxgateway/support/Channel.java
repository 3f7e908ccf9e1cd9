package de.inboxgateway.support;

import java.util.Locale;

/** The two channels a tenant can have business numbers on. */
public enum Channel {
    WHATSAPP, SMS;

    /** The lower-case name used on the wire, in the database and in URLs. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Channel parse(String value) {
        if (value != null) {
            for (Channel c : values()) {
                if (c.wire().equals(value)) {
                    return c;
                }
            }
        }
        throw new GatewayException.InvalidInput("INVALID_REQUEST", "channel must be 'whatsapp' or 'sms'");
    }

    @Override
    public String toString() {
        return wire();
    }
}
