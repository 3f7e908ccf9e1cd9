package de.inboxgateway.tenant;

import java.time.Instant;

import de.inboxgateway.support.Channel;

/**
 * One business number of a tenant with its secrets decrypted, as the webhook and outbound stages
 * need it ({@code wabaId}: WhatsApp Business Account of a WhatsApp number, for its templates, or null). Held only in memory by {@link ChannelDirectory}; {@link #toString()} never shows secrets.
 */
public record ChannelConfig(
        long id,
        long tenantId,
        String tenantSlug,
        Channel channel,
        String address,
        String phoneNumberId,
        String accountSid,
        String messagingServiceSid,
        Secrets secrets,
        boolean sandbox,
        Instant createdAt,
        boolean mms,
        String wabaId) {

    /** WhatsApp: appSecret, accessToken, verifyToken. SMS: authToken. */
    public record Secrets(String appSecret, String accessToken, String verifyToken, String authToken) {
        @Override
        public String toString() {
            return "Secrets[hidden]";
        }
    }

    /** The owner bound into the ciphertext of a channel's secrets: the row, its tenant and its kind. */
    public static String owner(long channelId, long tenantId, Channel channel) {
        return "channel:" + channelId + ":tenant:" + tenantId + ":" + channel.wire();
    }

    /** The owner of secrets sealed before they were bound to their row (upgrade only). */
    static String legacyOwner(long tenantId, Channel channel) {
        return "tenant:" + tenantId + ":" + channel.wire();
    }
}
