package de.inboxgateway.tenant;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Repository;

import de.inboxgateway.support.ApiException;
import de.inboxgateway.support.Channel;

/** All SQL on table {@code channel}; secrets are encrypted on the way in and decrypted on the way out. */
@Repository
public class ChannelRepository {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChannelRepository.class);

    private final NamedParameterJdbcTemplate jdbc;
    private final SecretCipher cipher;
    private final ObjectMapper mapper;

    public ChannelRepository(NamedParameterJdbcTemplate jdbc, SecretCipher cipher, ObjectMapper mapper) {
        this.jdbc = jdbc;
        this.cipher = cipher;
        this.mapper = mapper;
    }

    @org.springframework.transaction.annotation.Transactional
    public long insert(long tenantId, Channel channel, String address, String phoneNumberId, String accountSid,
                       String messagingServiceSid, ChannelConfig.Secrets secrets, boolean sandbox, boolean mms,
                       String wabaId) {
        // The id first: the secrets are sealed for this very row.
        long id = jdbc.queryForObject("select nextval('channel_id_seq')", Map.of(), Long.class);
        byte[] sealed;
        try {
            sealed = cipher.encrypt(mapper.writeValueAsString(secrets), ChannelConfig.owner(id, tenantId, channel));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        try {
            claimAccount(tenantId, wabaId);
            return jdbc.queryForObject("""
                    insert into channel (id, tenant_id, channel, address, phone_number_id, account_sid,
                                         messaging_service_sid, secrets, sandbox, mms, waba_id)
                    values (:id, :tenant, :channel, :address, :phoneNumberId, :accountSid, :messagingServiceSid, :secrets,
                            :sandbox, :mms, :wabaId)
                    returning id""", new MapSqlParameterSource()
                    .addValue("id", id)
                    .addValue("tenant", tenantId)
                    .addValue("channel", channel.wire())
                    .addValue("address", address)
                    .addValue("phoneNumberId", phoneNumberId)
                    .addValue("accountSid", accountSid)
                    .addValue("messagingServiceSid", messagingServiceSid)
                    .addValue("secrets", sealed)
                    .addValue("sandbox", sandbox)
                    .addValue("mms", mms)
                    .addValue("wabaId", wabaId), Long.class);
        } catch (DuplicateKeyException e) {
            throw ApiException.conflict("ALREADY_EXISTS", "this " + channel.wire()
                    + " number is already configured (a number belongs to one tenant)");
        } catch (org.springframework.dao.DataIntegrityViolationException e) {
            throw accountTaken(e);
        }
    }

    /**
     * Registers the WhatsApp Business Account for the tenant; if another tenant has it, nothing is
     * written and the channel's foreign key refuses it (also when two tenants try at the same moment).
     */
    private void claimAccount(long tenantId, String wabaId) {
        if (wabaId != null) {
            jdbc.update("insert into waba_account (waba_id, tenant_id) values (:waba, :tenant) on conflict (waba_id) do nothing",
                    new MapSqlParameterSource("waba", wabaId).addValue("tenant", tenantId));
        }
    }

    private static RuntimeException accountTaken(RuntimeException e) {
        if (e.getMessage() != null && e.getMessage().contains("channel_waba_of_tenant")) {
            return ApiException.conflict("ALREADY_EXISTS", "this WhatsApp Business Account belongs to another tenant");
        }
        return e;
    }

    /**
     * Every channel of every tenant, decrypted: the whole set is small and read once per refresh. A row
     * whose secrets do not open (moved from another row, another key) is left out and named in the log:
     * that one number stops working, every other keeps going.
     */
    public List<ChannelConfig> loadAll() {
        List<ChannelConfig> all = new java.util.ArrayList<>();
        jdbc.query("""
                select c.id, c.tenant_id, t.slug, c.channel, c.address, c.phone_number_id, c.account_sid,
                       c.messaging_service_sid, c.secrets, c.sandbox, c.created_at, c.mms, c.waba_id
                from channel c join tenant t on t.id = c.tenant_id
                order by c.id""", rs -> {
            try {
                all.add(map(rs, 0));
            } catch (IllegalStateException e) {
                LOG.error("channel {}: its secrets cannot be opened ({}); the channel is left out until they are "
                        + "set again", rs.getLong("id"), e.getMessage());
            }
        });
        return all;
    }

    /**
     * Once at start: secrets sealed before they were bound to their row (version 1, bound to tenant
     * and kind only) are sealed again for their row. Returns how many rows were upgraded.
     */
    public int upgradeLegacySecrets() {
        List<Map<String, Object>> legacy = jdbc.queryForList(
                "select id, tenant_id, channel, secrets from channel where get_byte(secrets, 0) = 1", Map.of());
        int upgraded = 0;
        for (Map<String, Object> row : legacy) {
            long id = ((Number) row.get("id")).longValue();
            long tenantId = ((Number) row.get("tenant_id")).longValue();
            Channel channel = Channel.parse((String) row.get("channel"));
            try {
                String plain = cipher.decryptLegacy((byte[]) row.get("secrets"), ChannelConfig.legacyOwner(tenantId, channel));
                upgraded += jdbc.update("update channel set secrets = :secrets where id = :id and tenant_id = :tenant",
                        new MapSqlParameterSource("secrets", cipher.encrypt(plain, ChannelConfig.owner(id, tenantId, channel)))
                                .addValue("id", id).addValue("tenant", tenantId));
            } catch (IllegalStateException e) {
                LOG.error("channel {}: old-format secrets cannot be opened ({}); set them again", id, e.getMessage());
            }
        }
        return upgraded;
    }

    /** Sets (or with null clears) the WhatsApp Business Account of a WhatsApp channel; false if no such channel. */
    @org.springframework.transaction.annotation.Transactional
    public boolean setWabaId(long tenantId, long channelId, String wabaId) {
        claimAccount(tenantId, wabaId);
        boolean set;
        try {
            set = jdbc.update("update channel set waba_id = :waba where tenant_id = :tenant and id = :id and channel = 'whatsapp'",
                    new MapSqlParameterSource("waba", wabaId).addValue("tenant", tenantId).addValue("id", channelId)) == 1;
        } catch (org.springframework.dao.DataIntegrityViolationException e) {
            throw accountTaken(e);
        }
        // an account no channel of the tenant names any more is free for whoever really has it
        jdbc.update("""
                delete from waba_account w where w.tenant_id = :tenant
                   and not exists (select 1 from channel c where c.waba_id = w.waba_id and c.tenant_id = w.tenant_id)""",
                Map.of("tenant", tenantId));
        return set;
    }

    public List<Map<String, Object>> listPublic(long tenantId) {
        return jdbc.queryForList("""
                select id, channel, address, phone_number_id, account_sid, messaging_service_sid, sandbox, mms, created_at,
                       waba_id
                from channel where tenant_id = :tenant order by id""", Map.of("tenant", tenantId));
    }

    private ChannelConfig map(ResultSet rs, int row) throws SQLException {
        long tenantId = rs.getLong("tenant_id");
        Channel channel = Channel.parse(rs.getString("channel"));
        String json = cipher.decrypt(rs.getBytes("secrets"), ChannelConfig.owner(rs.getLong("id"), tenantId, channel));
        ChannelConfig.Secrets secrets;
        try {
            secrets = mapper.readValue(json, ChannelConfig.Secrets.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("channel " + rs.getLong("id") + ": unreadable secrets", e);
        }
        return new ChannelConfig(rs.getLong("id"), tenantId, rs.getString("slug"), channel,
                rs.getString("address"), rs.getString("phone_number_id"), rs.getString("account_sid"),
                rs.getString("messaging_service_sid"), secrets, rs.getBoolean("sandbox"),
                rs.getTimestamp("created_at").toInstant(), rs.getBoolean("mms"), rs.getString("waba_id"));
    }
}
