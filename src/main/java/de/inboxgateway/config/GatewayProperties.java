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
    /** Folder of the Camel YAML routes (read by camel.main.routes-include-pattern in application.yaml). */
    private String routesDir = "routes";
    /** Region libphonenumber assumes for numbers written without a country code. */
    private String defaultRegion = "DE";
    private final Webhooks webhooks = new Webhooks();
    private final OptOut optout = new OptOut();
    private final Channels channels = new Channels();
    private final Api api = new Api();
    private final Twilio twilio = new Twilio();
    private final Whatsapp whatsapp = new Whatsapp();
    private final Providers providers = new Providers();
    private final Sandbox sandbox = new Sandbox();
    private final Events events = new Events();
    private final Gdpr gdpr = new Gdpr();
    private final Media media = new Media();
    private final Database database = new Database();
    private final Broadcast broadcast = new Broadcast();

    public static class Broadcast {
        /** Whether this instance sends broadcasts at all (route broadcast-pacer); others keep them going. */
        private boolean enabled = true;
        /** Most recipients one broadcast may name (before deduplication). */
        private int maxRecipients = 5000;
        /** Broadcast sends per second per sending number, shared by every instance (Meta allows 80, Twilio queues). */
        private double ratePerSecond = 20;
        /** How often each instance looks for due broadcast sends while a broadcast runs. */
        private Duration tick = Duration.ofMillis(100);
        /** Without a running broadcast, how often an instance checks whether one started elsewhere. */
        private Duration idleCheck = Duration.ofSeconds(1);
        /** How long a claimed recipient is this instance's; after a crash another instance resolves it. */
        private Duration lease = Duration.ofSeconds(60);
        /** Meta answered 130429 (rate limit): the number's broadcasts pause this long. */
        private Duration rateLimitPause = Duration.ofSeconds(30);

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public int getMaxRecipients() { return maxRecipients; }
        public void setMaxRecipients(int maxRecipients) { this.maxRecipients = maxRecipients; }
        public double getRatePerSecond() { return ratePerSecond; }
        public void setRatePerSecond(double ratePerSecond) { this.ratePerSecond = ratePerSecond; }
        public Duration getTick() { return tick; }
        public void setTick(Duration tick) { this.tick = tick; }
        public Duration getIdleCheck() { return idleCheck; }
        public void setIdleCheck(Duration idleCheck) { this.idleCheck = idleCheck; }
        public Duration getLease() { return lease; }
        public void setLease(Duration lease) { this.lease = lease; }
        public Duration getRateLimitPause() { return rateLimitPause; }
        public void setRateLimitPause(Duration rateLimitPause) { this.rateLimitPause = rateLimitPause; }
    }

    private final Push push = new Push();

    /** Signed event push to the ERP (Standard Webhooks): routes/erp-push.camel.yaml. */
    public static class Push {
        /** One attempt, whole (connect, TLS, request, answer): cut off after this. */
        private Duration timeout = Duration.ofSeconds(10);
        /** A delivery failing since its first attempt this long ends failed (a pause does not count). */
        private Duration giveUpAfter = Duration.ofHours(24);
        /** Allow http:// targets (development; production receivers are https). */
        private boolean allowHttp = false;
        /** Allow targets on loopback, link-local, private, multicast or unspecified addresses. */
        private boolean allowPrivateTargets = false;
        /** How often each instance looks for new events and due deliveries: the push's usual delay. */
        private Duration pollInterval = Duration.ofSeconds(1);
        /** A delivery taken by an instance is its own this long; renewed while it runs, free after a crash. */
        private Duration lease = Duration.ofSeconds(30);
        /** Deliveries one instance attempts at once. */
        private int concurrency = 4;
        /** First retry delay; doubles per attempt up to maxRetryDelay, each ±20 %: seconds, then minutes, then hours. */
        private Duration firstRetryDelay = Duration.ofSeconds(5);
        private Duration maxRetryDelay = Duration.ofHours(4);
        /** Bytes of the receiver's answer that are read (kept as the delivery's error); the rest is dropped. */
        private int maxResponseBytes = 4096;

        public Duration getTimeout() { return timeout; }
        public void setTimeout(Duration timeout) { this.timeout = timeout; }
        public Duration getGiveUpAfter() { return giveUpAfter; }
        public void setGiveUpAfter(Duration giveUpAfter) { this.giveUpAfter = giveUpAfter; }
        public boolean isAllowHttp() { return allowHttp; }
        public void setAllowHttp(boolean allowHttp) { this.allowHttp = allowHttp; }
        public boolean isAllowPrivateTargets() { return allowPrivateTargets; }
        public void setAllowPrivateTargets(boolean allowPrivateTargets) { this.allowPrivateTargets = allowPrivateTargets; }
        public Duration getPollInterval() { return pollInterval; }
        public void setPollInterval(Duration pollInterval) { this.pollInterval = pollInterval; }
        public Duration getLease() { return lease; }
        public void setLease(Duration lease) { this.lease = lease; }
        public int getConcurrency() { return concurrency; }
        public void setConcurrency(int concurrency) { this.concurrency = concurrency; }
        public Duration getFirstRetryDelay() { return firstRetryDelay; }
        public void setFirstRetryDelay(Duration firstRetryDelay) { this.firstRetryDelay = firstRetryDelay; }
        public Duration getMaxRetryDelay() { return maxRetryDelay; }
        public void setMaxRetryDelay(Duration maxRetryDelay) { this.maxRetryDelay = maxRetryDelay; }
        public int getMaxResponseBytes() { return maxResponseBytes; }
        public void setMaxResponseBytes(int maxResponseBytes) { this.maxResponseBytes = maxResponseBytes; }
    }

    public static class Database {
        /** Create the configured database at start if it is missing (as the migration user). */
        private boolean createIfMissing = true;

        public boolean isCreateIfMissing() { return createIfMissing; }
        public void setCreateIfMissing(boolean createIfMissing) { this.createIfMissing = createIfMissing; }
    }

    public static class Media {
        /** {@code filesystem} (one instance) or {@code s3} (any S3-compatible store; several instances). */
        private String store = "filesystem";
        /** Folder of the filesystem store. */
        private String dir = "./data/media";
        /** Largest file accepted, inbound or uploaded (bytes). */
        private long maxBytes = 104_857_600L;
        /** Lifetime of a signed media link. */
        private Duration linkTtl = Duration.ofMinutes(15);
        /** Lifetime of the link Twilio gets as MediaUrl: it may fetch late, so never under an hour. */
        private Duration mmsLinkTtl = Duration.ofHours(2);
        /** Uploads never sent are removed after this. */
        private Duration uploadTtl = Duration.ofDays(1);
        /** How often the sweeper looks for uploads older than uploadTtl that nothing sent. */
        private Duration sweepInterval = Duration.ofHours(1);
        /** How often each instance looks for due downloads (and renews the leases of its own). */
        private Duration pollInterval = Duration.ofSeconds(5);
        /** A download taken by an instance is its own this long; renewed while it runs, free after a crash. */
        private Duration lease = Duration.ofSeconds(20);
        /** Downloads one instance runs at once. */
        private int downloadConcurrency = 4;
        /** Transient download failures are retried with backoff until this long after the message arrived. */
        private Duration giveUpAfter = Duration.ofHours(6);
        /** First retry delay; doubles per attempt up to maxRetryDelay (with jitter). */
        private Duration firstRetryDelay = Duration.ofSeconds(15);
        private Duration maxRetryDelay = Duration.ofMinutes(10);
        private final S3 s3 = new S3();

        public static class S3 {
            /** e.g. https://s3.eu-central-1.amazonaws.com, http://minio:9000; empty: AWS's default for the region. */
            private String endpoint;
            private String bucket;
            private String region = "us-east-1";
            private String accessKey;
            private String secretKey;
            /** MinIO, Ceph and most self-hosted stores need path-style URLs. */
            private boolean pathStyleAccess = true;
            /** Bytes per multipart part; the only buffer a write holds (S3's minimum is 5 MiB). */
            private int partBytes = 8 * 1024 * 1024;

            public String getEndpoint() { return endpoint; }
            public void setEndpoint(String endpoint) { this.endpoint = withoutTrailingSlash(endpoint); }
            public String getBucket() { return bucket; }
            public void setBucket(String bucket) { this.bucket = bucket; }
            public String getRegion() { return region; }
            public void setRegion(String region) { this.region = region; }
            public String getAccessKey() { return accessKey; }
            public void setAccessKey(String accessKey) { this.accessKey = accessKey; }
            public String getSecretKey() { return secretKey; }
            public void setSecretKey(String secretKey) { this.secretKey = secretKey; }
            public boolean isPathStyleAccess() { return pathStyleAccess; }
            public void setPathStyleAccess(boolean pathStyleAccess) { this.pathStyleAccess = pathStyleAccess; }
            public int getPartBytes() { return partBytes; }
            public void setPartBytes(int partBytes) { this.partBytes = partBytes; }
        }

        public String getStore() { return store; }
        public void setStore(String store) { this.store = store; }
        public String getDir() { return dir; }
        public void setDir(String dir) { this.dir = dir; }
        public long getMaxBytes() { return maxBytes; }
        public void setMaxBytes(long maxBytes) { this.maxBytes = maxBytes; }
        public Duration getLinkTtl() { return linkTtl; }
        public void setLinkTtl(Duration linkTtl) { this.linkTtl = linkTtl; }
        public Duration getMmsLinkTtl() { return mmsLinkTtl; }
        public void setMmsLinkTtl(Duration mmsLinkTtl) { this.mmsLinkTtl = mmsLinkTtl; }
        public Duration getUploadTtl() { return uploadTtl; }
        public void setUploadTtl(Duration uploadTtl) { this.uploadTtl = uploadTtl; }
        public Duration getSweepInterval() { return sweepInterval; }
        public void setSweepInterval(Duration sweepInterval) { this.sweepInterval = sweepInterval; }
        public Duration getPollInterval() { return pollInterval; }
        public void setPollInterval(Duration pollInterval) { this.pollInterval = pollInterval; }
        public Duration getLease() { return lease; }
        public void setLease(Duration lease) { this.lease = lease; }
        public int getDownloadConcurrency() { return downloadConcurrency; }
        public void setDownloadConcurrency(int downloadConcurrency) { this.downloadConcurrency = downloadConcurrency; }
        public Duration getGiveUpAfter() { return giveUpAfter; }
        public void setGiveUpAfter(Duration giveUpAfter) { this.giveUpAfter = giveUpAfter; }
        public Duration getFirstRetryDelay() { return firstRetryDelay; }
        public void setFirstRetryDelay(Duration firstRetryDelay) { this.firstRetryDelay = firstRetryDelay; }
        public Duration getMaxRetryDelay() { return maxRetryDelay; }
        public void setMaxRetryDelay(Duration maxRetryDelay) { this.maxRetryDelay = maxRetryDelay; }
        public S3 getS3() { return s3; }
    }

    public static class Gdpr {
        /** Messages younger than this are kept on erasure (and reported as retained); 0: none. */
        private Duration legalRetention = Duration.ZERO;

        public Duration getLegalRetention() { return legalRetention; }
        public void setLegalRetention(Duration legalRetention) { this.legalRetention = legalRetention; }
    }

    public static class Events {
        /** WebSocket port of the event feed (its own Vert.x server). */
        private int port = 8081;
        /** How long events stay replayable with ?since=. */
        private Duration retention = Duration.ofDays(7);
        /** Bytes a screen may have waiting to be written before it counts as too slow and is closed. */
        private int maxQueuedBytes = 1024 * 1024;
        /** How long a screen may stay with a full queue before it is closed as too slow. */
        private Duration slowScreenGrace = Duration.ofSeconds(10);
        /** The feed server's socket send buffer; small enough that a stalled screen is noticed soon. */
        private int sendBufferBytes = 64 * 1024;
        /** How often events older than the retention are deleted. */
        private Duration retentionInterval = Duration.ofHours(1);
        /** How often the feed re-reads the event table even without NOTIFY (a safety net). */
        private Duration pollInterval = Duration.ofSeconds(5);
        /** A screen is closed after this long (4002) and reconnects with since=: its key is checked again. */
        private Duration maxScreenLifetime = Duration.ofHours(1);
        /** How often screens past their lifetime are looked for. */
        private Duration screenLifetimeCheckInterval = Duration.ofSeconds(30);

        public Duration getMaxScreenLifetime() { return maxScreenLifetime; }
        public void setMaxScreenLifetime(Duration maxScreenLifetime) { this.maxScreenLifetime = maxScreenLifetime; }
        public Duration getScreenLifetimeCheckInterval() { return screenLifetimeCheckInterval; }
        public void setScreenLifetimeCheckInterval(Duration d) { this.screenLifetimeCheckInterval = d; }
        public int getPort() { return port; }
        public void setPort(int port) { this.port = port; }
        public Duration getRetention() { return retention; }
        public Duration getRetentionInterval() { return retentionInterval; }
        public void setRetentionInterval(Duration retentionInterval) { this.retentionInterval = retentionInterval; }
        public void setRetention(Duration retention) { this.retention = retention; }
        public int getMaxQueuedBytes() { return maxQueuedBytes; }
        public void setMaxQueuedBytes(int maxQueuedBytes) { this.maxQueuedBytes = maxQueuedBytes; }
        public Duration getSlowScreenGrace() { return slowScreenGrace; }
        public void setSlowScreenGrace(Duration slowScreenGrace) { this.slowScreenGrace = slowScreenGrace; }
        public int getSendBufferBytes() { return sendBufferBytes; }
        public void setSendBufferBytes(int sendBufferBytes) { this.sendBufferBytes = sendBufferBytes; }
        public Duration getPollInterval() { return pollInterval; }
        public void setPollInterval(Duration pollInterval) { this.pollInterval = pollInterval; }
    }

    public static class Twilio {
        /** Twilio REST API base; tests point it at a loopback fake. */
        private String baseUrl = "https://api.twilio.com";

        public String getBaseUrl() { return baseUrl; }
        public void setBaseUrl(String baseUrl) { this.baseUrl = withoutTrailingSlash(baseUrl); }
    }

    public static class Whatsapp {
        /** Graph API base; tests point it at a loopback fake. */
        private String baseUrl = "https://graph.facebook.com";
        private String apiVersion = "v23.0";

        public String getBaseUrl() { return baseUrl; }
        public void setBaseUrl(String baseUrl) { this.baseUrl = withoutTrailingSlash(baseUrl); }
        public String getApiVersion() { return apiVersion; }
        public void setApiVersion(String apiVersion) { this.apiVersion = apiVersion; }
    }

    public static class Providers {
        private Duration connectTimeout = Duration.ofSeconds(5);
        /** After this the outcome of a send is unknown: it is stored as failed (PROVIDER_TIMEOUT), never retried. */
        private Duration responseTimeout = Duration.ofSeconds(15);

        /** A message still queued this long after it was asked for is marked failed by the sweeper. */
        private Duration stuckAfter = Duration.ofMinutes(5);
        /** How often the sweeper looks for such messages. */
        private Duration stuckSweepInterval = Duration.ofSeconds(60);

        public Duration getStuckSweepInterval() { return stuckSweepInterval; }
        public void setStuckSweepInterval(Duration stuckSweepInterval) { this.stuckSweepInterval = stuckSweepInterval; }

        public Duration getStuckAfter() { return stuckAfter; }
        public void setStuckAfter(Duration stuckAfter) { this.stuckAfter = stuckAfter; }
        public Duration getConnectTimeout() { return connectTimeout; }
        public void setConnectTimeout(Duration connectTimeout) { this.connectTimeout = connectTimeout; }
        public Duration getResponseTimeout() { return responseTimeout; }
        public void setResponseTimeout(Duration responseTimeout) { this.responseTimeout = responseTimeout; }
    }

    public static class Sandbox {
        /** The in-process sandbox provider; only the dev and sandbox profiles switch it on. */
        private boolean enabled = false;
        /** How long the sandbox waits before reporting delivered (and, on WhatsApp, read). */
        private Duration statusDelay = Duration.ofMillis(500);

        public boolean isEnabled() { return enabled; }
        public void setEnabled(boolean enabled) { this.enabled = enabled; }
        public Duration getStatusDelay() { return statusDelay; }
        public void setStatusDelay(Duration statusDelay) { this.statusDelay = statusDelay; }
    }

    public static class Webhooks {
        /** Largest webhook body accepted; Meta sends up to 3 MB. */
        private long maxBodyBytes = 3 * 1024 * 1024;
        /** Reverse proxies whose X-Forwarded-For is believed (exact addresses). Empty: none. */
        private List<String> trustedProxies = List.of();
        private final Block block = new Block();
        private final GroupCommit groupCommit = new GroupCommit();

        public GroupCommit getGroupCommit() { return groupCommit; }
        public long getMaxBodyBytes() { return maxBodyBytes; }
        public void setMaxBodyBytes(long maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; }
        public List<String> getTrustedProxies() { return trustedProxies; }
        public void setTrustedProxies(List<String> trustedProxies) { this.trustedProxies = trustedProxies; }
        public Block getBlock() { return block; }
    }

    /** Webhooks that arrive together share one transaction; each is answered after its commit. */
    public static class GroupCommit {
        /** Most webhooks in one transaction; 1 gives each webhook its own transaction. */
        private int maxBatch = 64;
        /** Transactions committing at the same time, each on its own pooled connection. */
        private int workers = 4;

        public int getMaxBatch() { return maxBatch; }
        public void setMaxBatch(int maxBatch) { this.maxBatch = maxBatch; }
        public int getWorkers() { return workers; }
        public void setWorkers(int workers) { this.workers = workers; }
    }

    /** Blocking a source address after repeated signature failures. */
    public static class Block {
        /** Failures within the window that block a source; 0 switches blocking off. */
        private int maxFailures = 10;
        private Duration window = Duration.ofMinutes(1);
        private Duration duration = Duration.ofMinutes(10);
        /** How often expired blocks and old failures are forgotten. */
        private Duration purgeInterval = Duration.ofSeconds(60);

        public Duration getPurgeInterval() { return purgeInterval; }
        public void setPurgeInterval(Duration purgeInterval) { this.purgeInterval = purgeInterval; }

        public int getMaxFailures() { return maxFailures; }
        public void setMaxFailures(int maxFailures) { this.maxFailures = maxFailures; }
        public Duration getWindow() { return window; }
        public void setWindow(Duration window) { this.window = window; }
        public Duration getDuration() { return duration; }
        public void setDuration(Duration duration) { this.duration = duration; }
    }

    public static class OptOut {
        /** A message whose whole text (trimmed, any case) is one of these is an opt-out. */
        private List<String> keywords = List.of("STOP", "STOPP", "UNSUBSCRIBE", "ABMELDEN", "ABBESTELLEN",
                "STOPALL", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT");
        /** The confirmation sent once after an opt-out, unless the tenant set its own text. */
        /** How often confirmations a crash left unsent are looked for. */
        private Duration confirmationSweepInterval = Duration.ofSeconds(30);
        private String confirmationText = "Sie erhalten über diesen Kanal keine Nachrichten mehr von uns. "
                + "Ihre Hausverwaltung erreichen Sie weiterhin telefonisch, per E-Mail oder per Post.";

        public List<String> getKeywords() { return keywords; }
        public void setKeywords(List<String> keywords) { this.keywords = keywords; }
        public String getConfirmationText() { return confirmationText; }
        public Duration getConfirmationSweepInterval() { return confirmationSweepInterval; }
        public void setConfirmationSweepInterval(Duration confirmationSweepInterval) {
            this.confirmationSweepInterval = confirmationSweepInterval;
        }
        public void setConfirmationText(String confirmationText) { this.confirmationText = confirmationText; }
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
        /** Largest body of a tenant or admin API request (media uploads have gateway.media.max-bytes). */
        private long maxBodyBytes = 1024 * 1024;
        /** API and admin requests in progress at once; beyond, 503 API_BUSY (webhooks keep their capacity). */
        private int maxConcurrentRequests = 8;

        public long getMaxBodyBytes() { return maxBodyBytes; }
        public void setMaxBodyBytes(long maxBodyBytes) { this.maxBodyBytes = maxBodyBytes; }
        public int getMaxConcurrentRequests() { return maxConcurrentRequests; }
        public void setMaxConcurrentRequests(int maxConcurrentRequests) { this.maxConcurrentRequests = maxConcurrentRequests; }

        public int getDefaultPageSize() { return defaultPageSize; }
        public void setDefaultPageSize(int defaultPageSize) { this.defaultPageSize = defaultPageSize; }
        public int getMaxPageSize() { return maxPageSize; }
        public void setMaxPageSize(int maxPageSize) { this.maxPageSize = maxPageSize; }
    }

    public String getAdminToken() { return adminToken; }
    public void setAdminToken(String adminToken) { this.adminToken = adminToken; }
    public String getPublicBaseUrl() { return publicBaseUrl; }
    public void setPublicBaseUrl(String publicBaseUrl) { this.publicBaseUrl = withoutTrailingSlash(publicBaseUrl); }

    /** Base URLs are joined with paths that start with '/': one place drops a configured trailing slash. */
    static String withoutTrailingSlash(String url) {
        return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
    public String getSecretsKey() { return secretsKey; }
    public void setSecretsKey(String secretsKey) { this.secretsKey = secretsKey; }
    public String getDefaultRegion() { return defaultRegion; }
    public String getRoutesDir() { return routesDir; }
    public void setRoutesDir(String routesDir) { this.routesDir = routesDir; }
    public void setDefaultRegion(String defaultRegion) { this.defaultRegion = defaultRegion; }
    public Webhooks getWebhooks() { return webhooks; }
    public OptOut getOptout() { return optout; }
    public Channels getChannels() { return channels; }
    public Api getApi() { return api; }
    public Twilio getTwilio() { return twilio; }
    public Whatsapp getWhatsapp() { return whatsapp; }
    public Providers getProviders() { return providers; }
    public Sandbox getSandbox() { return sandbox; }
    public Broadcast getBroadcast() { return broadcast; }
    public Events getEvents() { return events; }
    public Gdpr getGdpr() { return gdpr; }
    public Media getMedia() { return media; }
    public Database getDatabase() { return database; }
    public Push getPush() { return push; }
}
