package de.inboxgateway.tenant;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

import de.inboxgateway.access.TenantScope;
import de.inboxgateway.support.Channel;
import de.inboxgateway.testing.Fixtures;
import de.inboxgateway.testing.GatewayTest;

/**
 * Channel secrets are sealed for their own row: swapped between two channels of the same tenant they
 * no longer open (those two numbers stop working, nothing else does), and rows sealed the old way
 * (bound to tenant and kind only) are sealed again for their row at start.
 */
class ChannelSecretsIT extends GatewayTest {

    @Autowired
    SecretCipher cipher;
    @Autowired
    ChannelRepository channels;

    private long muellerId() {
        return count("select id from tenant where slug = 'mueller'");
    }

    @Test
    void secretsSwappedBetweenTwoChannelsOfOneTenantOpenNeither() {
        fixtureTenant();
        otherTenant();
        whatsappChannel("mueller", "555500006666777", "+4930555000666", "second-app-secret", "second-verify-token");
        long tenant = muellerId();
        // Someone with write access to the table swaps the secrets of mueller's two WhatsApp numbers: same
        // tenant, same kind, so only the row binding tells them apart.
        assertThat(jdbc.update("""
                update channel c set secrets = o.secrets from channel o
                where c.tenant_id = ? and c.channel = 'whatsapp' and o.tenant_id = c.tenant_id
                  and o.channel = 'whatsapp' and o.id <> c.id""", tenant)).isEqualTo(2);
        channelDirectory.refresh();

        assertThat(postWhatsappFixture("whatsapp/text-message.json").status()).isEqualTo(401);
        String toSecond = whatsappText("555500006666777", "4917611111111", "wamid.second-1", 1772445600L, "hallo");
        assertThat(postWhatsappSigned(toSecond, "second-app-secret").status()).isEqualTo(401);
        assertThat(postWhatsappSigned(toSecond, Fixtures.APP_SECRET).status()).isEqualTo(401);
        // The other numbers keep working: one bad row does not stop the refresh.
        assertThat(postTwilioFixture("/webhooks/sms", "sms/inbound-sms.form.txt").status()).isEqualTo(200);
        assertThat(postWhatsappSigned(whatsappText(OTHER_PHONE_NUMBER_ID, "4917611111111", "wamid.still-1", 1772445600L,
                "hallo"), OTHER_APP_SECRET).status()).isEqualTo(200);
    }

    @Test
    void secretsSealedTheOldWayAreSealedAgainForTheirRow() {
        fixtureTenant();
        long tenant = muellerId();
        long id = count("select id from channel where tenant_id = ? and channel = 'whatsapp'", tenant);
        byte[] current = jdbc.queryForObject("select secrets from channel where id = ?", byte[].class, id);
        String plain = cipher.decrypt(current, ChannelConfig.owner(id, tenant, Channel.WHATSAPP));
        jdbc.update("update channel set secrets = ? where id = ?",
                cipher.encryptLegacy(plain, ChannelConfig.legacyOwner(tenant, Channel.WHATSAPP)), id);
        channelDirectory.refresh();
        assertThat(postWhatsappFixture("whatsapp/text-message.json").status()).isEqualTo(401); // old format: not read

        assertThat(TenantScope.asSystem(channels::upgradeLegacySecrets)).isEqualTo(1);
        byte[] upgraded = jdbc.queryForObject("select secrets from channel where id = ?", byte[].class, id);
        assertThat(SecretCipher.isLegacy(upgraded)).isFalse();
        channelDirectory.refresh();
        assertThat(postWhatsappFixture("whatsapp/text-message.json").status()).isEqualTo(200);
        assertThat(TenantScope.asSystem(channels::upgradeLegacySecrets)).isZero();
    }
}
