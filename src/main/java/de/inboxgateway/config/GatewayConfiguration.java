package de.inboxgateway.config;

import java.time.Clock;

import org.apache.camel.spring.spi.SpringTransactionPolicy;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

@Configuration(proxyBeanMethods = false)
public class GatewayConfiguration {

    /** Creates the configured database if it is missing (static: it post-processes the DataSource). */
    @Bean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnProperty(name = "gateway.database.create-if-missing",
            havingValue = "true", matchIfMissing = true)
    public static DatabaseCreator databaseCreator() {
        return new DatabaseCreator();
    }

    /** Time comes from one clock, so tests can fix it (service window edges). */
    @Bean
    @ConditionalOnMissingBean
    public Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * The policy behind {@code transacted} in the YAML routes: the inbound pipeline runs in one Spring
     * transaction, which the JdbcTemplate-based repositories join.
     */
    @Bean("PROPAGATION_REQUIRED")
    public SpringTransactionPolicy propagationRequired(PlatformTransactionManager transactionManager) {
        SpringTransactionPolicy policy = new SpringTransactionPolicy(transactionManager);
        policy.setPropagationBehaviorName("PROPAGATION_REQUIRED");
        return policy;
    }
}
