package de.inboxgateway.support;

/**
 * Names of the exchange properties the stages hand on. Properties, not headers: platform-http turns
 * every HTTP header, query and form parameter into a message header, so a caller could spoof a
 * header but never a property.
 */
public final class GatewayExchange {

    /** The authenticated API key ({@code ApiPrincipal}). */
    public static final String PRINCIPAL = "gateway.principal";
    /** The channel(s) whose secret verified a webhook: {@code Map<String, ChannelConfig>} keyed by provider id. */
    public static final String VERIFIED_CHANNELS = "gateway.verifiedChannels";
    /** When the gateway received the request (used where the provider sends no timestamp). */
    public static final String RECEIVED_AT = "gateway.receivedAt";

    private GatewayExchange() {
    }
}
