package de.inboxgateway.message;

import java.util.Map;

/**
 * The gateway's reading of provider error codes. The provider's own code is always stored; this
 * adds what it means for the gateway and the ERP.
 */
public final class ProviderErrors {

    /** Twilio: the recipient replied STOP; the sender is blocked for them. */
    public static final String TWILIO_UNSUBSCRIBED = "21610";
    /** Meta: more than 24 h since the contact's last message; only templates may be sent. */
    public static final String META_REENGAGEMENT = "131047";
    /** Our own: no answer in time. The message may or may not have been sent: never retried automatically. */
    public static final String TIMEOUT = "PROVIDER_TIMEOUT";
    /** Our own: the provider could not be reached at all (nothing was sent). */
    public static final String UNREACHABLE = "PROVIDER_UNREACHABLE";

    private static final Map<String, String> REASONS = Map.ofEntries(
            Map.entry(TWILIO_UNSUBSCRIBED, "OPTOUT_ACTIVE"),
            Map.entry(META_REENGAGEMENT, "WHATSAPP_WINDOW_CLOSED"),
            Map.entry("130429", "RATE_LIMITED"), Map.entry("131056", "RATE_LIMITED"), Map.entry("131048", "RATE_LIMITED"),
            Map.entry("80007", "RATE_LIMITED"), Map.entry("20429", "RATE_LIMITED"),
            Map.entry("190", "PROVIDER_AUTH_FAILED"), Map.entry("20003", "PROVIDER_AUTH_FAILED"),
            Map.entry("21211", "INVALID_PHONE"), Map.entry("21614", "INVALID_PHONE"),
            Map.entry(TIMEOUT, "PROVIDER_TIMEOUT"), Map.entry(UNREACHABLE, "PROVIDER_UNREACHABLE"),
            // template sends: Meta checks again what the gateway checked, and more
            Map.entry("132000", "TEMPLATE_PARAMETERS_INVALID"), Map.entry("132001", "TEMPLATE_NOT_FOUND"),
            Map.entry("132005", "TEMPLATE_TEXT_TOO_LONG"), Map.entry("132007", "TEMPLATE_POLICY_VIOLATION"),
            Map.entry("132012", "TEMPLATE_PARAMETER_FORMAT_INVALID"), Map.entry("132015", "TEMPLATE_PAUSED"),
            Map.entry("132016", "TEMPLATE_DISABLED"));

    private ProviderErrors() {
    }

    public static String reason(String code) {
        return code == null ? null : REASONS.getOrDefault(code, "PROVIDER_REJECTED");
    }
}
