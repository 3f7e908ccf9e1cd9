package de.inboxgateway.tenant;

import java.security.MessageDigest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import de.inboxgateway.support.Channel;

/**
 * All channels with their secrets decrypted once, held in memory, so that verifying a webhook costs
 * a map lookup and an HMAC instead of a query and a decryption. Refreshed after every admin change
 * on this instance, on a fixed interval for changes made on other instances, and at most once a
 * second when a webhook names a number it does not know.
 */
@Component
public class ChannelDirectory {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelDirectory.class);
    private static final long MISS_REFRESH_MILLIS = 1000;

    private final ChannelRepository repository;
    private final Clock clock;
    private volatile Snapshot snapshot = new Snapshot(List.of());
    private volatile long lastRefresh;

    public ChannelDirectory(ChannelRepository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    private record Snapshot(List<ChannelConfig> all, Map<String, ChannelConfig> whatsappByPhoneNumberId,
                            Map<String, ChannelConfig> smsByNumber) {
        Snapshot(List<ChannelConfig> all) {
            this(all, index(all, Channel.WHATSAPP, true), index(all, Channel.SMS, false));
        }

        private static Map<String, ChannelConfig> index(List<ChannelConfig> all, Channel channel, boolean byId) {
            Map<String, ChannelConfig> map = new HashMap<>();
            for (ChannelConfig c : all) {
                if (c.channel() == channel) {
                    map.put(byId ? c.phoneNumberId() : c.address(), c);
                }
            }
            return Map.copyOf(map);
        }
    }

    @EventListener(ContextRefreshedEvent.class)
    public void onStart() {
        int upgraded = de.inboxgateway.access.TenantScope.asSystem(repository::upgradeLegacySecrets);
        if (upgraded > 0) {
            LOG.info("channels: secrets of {} channel(s) sealed again, bound to their row", upgraded);
        }
        refresh();
    }

    /** Route {@code channels-refresh}: admin changes made on another instance arrive here. */
    public void scheduledRefresh() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warn("channel refresh failed, keeping the last known channels: {}", e.getMessage());
        }
    }

    public synchronized void refresh() {
        snapshot = new Snapshot(List.copyOf(de.inboxgateway.access.TenantScope.asSystem(repository::loadAll)));
        lastRefresh = clock.millis();
    }

    public Optional<ChannelConfig> whatsappByPhoneNumberId(String phoneNumberId) {
        return lookup(() -> snapshot.whatsappByPhoneNumberId().get(phoneNumberId));
    }

    /** A WhatsApp channel of this WhatsApp Business Account (all of them belong to one tenant). */
    public Optional<ChannelConfig> whatsappByWabaId(String wabaId) {
        return lookup(() -> snapshot.all().stream()
                .filter(c -> c.channel() == Channel.WHATSAPP && wabaId != null && wabaId.equals(c.wabaId()))
                .findFirst().orElse(null));
    }

    public Optional<ChannelConfig> smsByNumber(String e164) {
        return lookup(() -> snapshot.smsByNumber().get(e164));
    }

    /** The WhatsApp channel whose verify token this is (Meta's GET handshake), compared in constant time. */
    public Optional<ChannelConfig> whatsappByVerifyToken(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        ChannelConfig found = null;
        for (ChannelConfig c : snapshot.all()) {
            String expected = c.secrets().verifyToken();
            if (c.channel() == Channel.WHATSAPP && expected != null
                    && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given)) {
                found = c;
            }
        }
        return Optional.ofNullable(found);
    }

    public Optional<ChannelConfig> byId(long id) {
        return lookup(() -> snapshot.all().stream().filter(c -> c.id() == id).findFirst().orElse(null));
    }

    /**
     * The SMS channel that sends through this Twilio Messaging Service of this account: its status
     * callbacks come From a pool number that is no configured channel. Empty when none, or when the
     * service is configured for channels of more than one tenant (then it decides nothing).
     */
    public Optional<ChannelConfig> smsByMessagingService(String accountSid, String messagingServiceSid) {
        if (accountSid == null || messagingServiceSid == null) {
            return Optional.empty();
        }
        List<ChannelConfig> matching = snapshot.all().stream().filter(c -> c.channel() == Channel.SMS
                && accountSid.equals(c.accountSid()) && messagingServiceSid.equals(c.messagingServiceSid())).toList();
        return matching.stream().map(ChannelConfig::tenantId).distinct().count() == 1
                ? Optional.of(matching.get(0)) : Optional.empty();
    }

    /** A sandbox SMS channel sending through a messaging service instead of a number. */
    public Optional<ChannelConfig> forTenantlessSandbox(Channel channel, String messagingServiceSid) {
        if (messagingServiceSid == null) {
            return Optional.empty();
        }
        return snapshot.all().stream().filter(c -> c.channel() == channel && c.sandbox()
                && messagingServiceSid.equals(c.messagingServiceSid())).findFirst();
    }

    public List<ChannelConfig> all() {
        return snapshot.all();
    }

    public List<ChannelConfig> forTenant(long tenantId) {
        return snapshot.all().stream().filter(c -> c.tenantId() == tenantId).toList();
    }

    private Optional<ChannelConfig> lookup(java.util.function.Supplier<ChannelConfig> find) {
        ChannelConfig hit = find.get();
        // Never reload inside a transaction: its connection is scoped to one tenant (row-level
        // security) and would load only that tenant's channels into the shared snapshot.
        if (hit == null && clock.millis() - lastRefresh > MISS_REFRESH_MILLIS
                && !org.springframework.transaction.support.TransactionSynchronizationManager.isActualTransactionActive()) {
            try {
                refresh();
            } catch (RuntimeException e) {
                LOG.warn("channel refresh on miss failed: {}", e.getMessage());
            }
            hit = find.get();
        }
        return Optional.ofNullable(hit);
    }
}
