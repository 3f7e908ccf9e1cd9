package de.inboxgateway.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.adobe.testing.s3mock.S3MockApplication;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.flyway.FlywayAutoConfiguration;
import org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration;
import org.springframework.boot.context.annotation.ImportCandidates;

import de.inboxgateway.config.GatewayProperties;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server in the test JVM (S3Mock; there is no Docker on the build machines), started once
 * for every test that needs one, and a plain client to look behind the gateway's back.
 */
public final class S3MockServer {

    public static final String BUCKET = "test-bucket";
    private static S3MockApplication server;
    private static S3Client client;

    private S3MockServer() {
    }

    public static synchronized String endpoint() {
        if (server == null) {
            server = start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> server.stop()));
        }
        return "http://localhost:" + server.getHttpPort();
    }

    /** Settings that point the gateway's S3 store at this server. */
    public static GatewayProperties.Media.S3 settings() {
        GatewayProperties.Media.S3 settings = new GatewayProperties.Media.S3();
        settings.setEndpoint(endpoint());
        settings.setBucket(BUCKET);
        settings.setAccessKey("any-access-key");
        settings.setSecretKey("any-secret-key");
        settings.setPathStyleAccess(true);
        return settings;
    }

    public static synchronized S3Client client() {
        if (client == null) {
            client = S3Client.builder()
                    .httpClientBuilder(ApacheHttpClient.builder())
                    .region(Region.US_EAST_1)
                    .endpointOverride(URI.create(endpoint()))
                    .forcePathStyle(true)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("a", "b")))
                    .build();
        }
        return client;
    }

    /** A gateway with the S3 store on this server, on a database of its own (see the S3 media tests). */
    public static void register(org.springframework.test.context.DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> TestDatabase.url("s3"));
        registry.add("gateway.media.store", () -> "s3");
        registry.add("gateway.media.s3.endpoint", S3MockServer::endpoint);
        registry.add("gateway.media.s3.bucket", () -> BUCKET);
        registry.add("gateway.media.s3.access-key", () -> "any-access-key");
        registry.add("gateway.media.s3.secret-key", () -> "any-secret-key");
    }

    /** Objects in the bucket now. */
    public static int objectCount() {
        return client().listObjectsV2(b -> b.bucket(BUCKET)).keyCount();
    }

    public static void empty() {
        client().listObjectsV2(b -> b.bucket(BUCKET)).contents()
                .forEach(o -> client().deleteObject(b -> b.bucket(BUCKET).key(o.key())));
    }

    private static S3MockApplication start() {
        Map<String, Object> props = new HashMap<>();
        // S3Mock is a Spring Boot application and this classpath is the whole gateway. S3Mock hands
        // these properties to Spring as *default* properties, the weakest source: the gateway's
        // application.yaml would beat them (server.port: 8080 became S3Mock's https port, the
        // datasource settings came along). So no config file is read at all (a config name no file
        // has), and the gateway's auto-configurations (Camel, DataSource, Flyway) are excluded.
        props.put("spring.config.name", "s3mock-test-none");
        props.put("spring.autoconfigure.exclude", gatewayAutoConfigurations());
        // S3Mock's own application.properties is skipped with it; what it sets is repeated here.
        // The region is required: S3Mock's StoreConfiguration has ${com.adobe.testing.s3mock.region}
        // without a default.
        props.put("com.adobe.testing.s3mock.region", "us-east-1");
        props.put("spring.jmx.enabled", false);
        props.put("management.endpoints.web.discovery.enabled", false);
        props.put("server.tomcat.max-swallow-size", "10MB");
        // Eager, unlike S3Mock's default: a broken context fails here, not as HTTP 500s in the tests.
        props.put("spring.main.lazy-initialization", false);
        props.put(S3MockApplication.PROP_HTTP_PORT, 0); // plain http on a free port
        props.put(S3MockApplication.PROP_HTTPS_PORT, 0); // https on another free port (unused)
        props.put(S3MockApplication.PROP_SILENT, true);
        props.put(S3MockApplication.PROP_INITIAL_BUCKETS, BUCKET);
        try {
            props.put(S3MockApplication.PROP_ROOT_DIRECTORY, Files.createTempDirectory("s3mock-").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        props.put("com.adobe.testing.s3mock.store.retainFilesOnExit", false);
        return S3MockApplication.start(props);
    }

    /**
     * Every Camel auto-configuration on the classpath (read from the same imports files Spring Boot
     * reads, so a starter added later is excluded too), and the database ones: none of them has any
     * business in S3Mock's context, and several fail there (no CamelContext, no database URL).
     */
    private static String gatewayAutoConfigurations() {
        Stream<String> camel = ImportCandidates.load(AutoConfiguration.class, S3MockServer.class.getClassLoader())
                .getCandidates().stream()
                .filter(name -> name.startsWith("org.apache.camel."));
        Stream<String> database = Stream.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class)
                .map(Class::getName);
        return Stream.concat(camel, database).distinct().collect(Collectors.joining(","));
    }
}
