package de.inboxgateway.outbound;

import de.inboxgateway.message.ProviderErrors;

/**
 * What a provider answered to one send. Accepted: its message id. Rejected: its error code and
 * message, and the gateway's reading of it ({@link ProviderErrors}).
 */
public record ProviderResult(boolean accepted, String providerMessageId, String errorCode, String errorMessage,
                             String reason) {

    public static ProviderResult accepted(String providerMessageId) {
        return new ProviderResult(true, providerMessageId, null, null, null);
    }

    public static ProviderResult rejected(String code, String message) {
        return new ProviderResult(false, null, code, message, ProviderErrors.reason(code));
    }
}
