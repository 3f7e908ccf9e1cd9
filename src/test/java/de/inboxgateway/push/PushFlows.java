package de.inboxgateway.push;

import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import de.inboxgateway.testing.TestDatabase;

/**
 * The push flow tests, on a database of their own: the gateways of other test classes (cached
 * contexts with production push settings and clocks of their own) must not take these tests'
 * deliveries, nor these theirs.
 */
abstract class PushFlows extends PushTestSupport {

    @Override
    protected String databaseUrl() {
        return TestDatabase.url("push");
    }

    @DynamicPropertySource
    static void pushDatabase(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> TestDatabase.url("push"));
    }
}
