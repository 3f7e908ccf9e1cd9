package de.inboxgateway.media;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import de.inboxgateway.testing.S3MockServer;
import de.inboxgateway.testing.TestDatabase;

/**
 * Every outbound media flow again, with the S3 store against a real S3 server (S3Mock in this JVM),
 * on a database of its own: the filesystem gateways of the other tests must not take its downloads.
 */
@org.springframework.test.annotation.DirtiesContext
class S3OutboundMediaIT extends OutboundMediaIT {

    @Override
    protected String databaseUrl() {
        return TestDatabase.url("s3");
    }

    @DynamicPropertySource
    static void s3Store(DynamicPropertyRegistry registry) {
        S3MockServer.register(registry);
    }
}
