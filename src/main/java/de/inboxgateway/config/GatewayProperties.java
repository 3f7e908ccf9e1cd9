package de.inboxgateway.config;

import java.time.Duration;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Everything under {@code gateway.*}. Secrets (admin token, secrets key) come from the environment
 * in production and are validated at start by {@link StartupChecks}.
 */
@ConfigurationProperties("gateway")
public class GatewayProperties {

    /** Bearer token of the admin API. No default: without it the admin API answers 401. */
    private String adminToken;
    /** The base URL the providers call, as they see it; Twilio signs it. */
    private String publicBaseUrl = "http://localhost:8080";
    /** Base64 of 32 random bytes; encrypts channel secrets at rest. */
    private String secretsKey;
    /** Region libphonenumber assumes for numbers written without a country code. */
    private String defaultRegion = "DE";
    private final Webhooks webhooks = new Webhooks();
    private final OptOut optout = new OptOut();
    private final Channels channels = new Channels();
    private final Api api = new Api();

    public static class Webhooks {
        /** Largest webhook body accepted; Meta sends up to 3 MB. */
        private long maxBodyBytes = 3 * 1024 * 1024;

        public long getMaxBodyBytes() { return maxBodyBytes; }
        public void setMaxBodyBytes(long maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; }
    }

    public static class OptOut {
        /** A message whose whole text (trimmed, any case) is one of these is an opt-out. */
        private List<String> keywords = List.of("STOP", "STOPP", "UNSUBSCRIBE", "ABMELDEN", "ABBESTELLEN",
                "STOPALL", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT");

        public List<String> getKeywords() { return keywords; }
        public void setKeywords(List<String> keywords) { this.keywords = keywords; }
    }

    public static class Channels {
        /** How often every instance re-reads the channel table (admin changes made elsewhere). */
        private Duration refreshInterval = Duration.ofSeconds(30);

        public Duration getRefreshInterval() { return refreshInterval; }
        public void setRefreshInterval(Duration refreshInterval) { this.refreshInterval = refreshInterval; }
    }

    public static class Api {
        private int defaultPageSize = 50;
        private int maxPageSize = 200;

        public int getDefaultPageSize() { return defaultPageSize; }
        public void setDefaultPageSize(int defaultPageSize) { this.defaultPageSize = defaultPageSize; }
        public int getMaxPageSize() { return maxPageSize; }
        public void setMaxPageSize(int maxPageSize) { this.maxPageSize = maxPageSize; }
    }

    public String getAdminToken() { return adminToken; }
    public void setAdminToken(String adminToken) { this.adminToken = adminToken; }
    public String getPublicBaseUrl() { return publicBaseUrl; }
    public void setPublicBaseUrl(String publicBaseUrl) { this.publicBaseUrl = publicBaseUrl; }
    public String getSecretsKey() { return secretsKey; }
    public void setSecretsKey(String secretsKey) { this.secretsKey = secretsKey; }
    public String getDefaultRegion() { return defaultRegion; }
    public void setDefaultRegion(String defaultRegion) { this.defaultRegion = defaultRegion; }
    public Webhooks getWebhooks() { return webhooks; }
    public OptOut getOptout() { return optout; }
    public Channels getChannels() { return channels; }
    public Api getApi() { return api; }
}
