package de.inboxgateway.provider;

import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.spi.ComponentCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import de.inboxgateway.config.GatewayProperties;

/**
 * camel-http as the Graph API client: bounded timeouts, and no automatic retries at all. Apache
 * HttpClient would otherwise re-send a POST answered with 429 or 503, and a re-sent message is a
 * message the resident receives twice.
 */
@Configuration(proxyBeanMethods = false)
public class ProviderHttpConfiguration {

    @Bean
    ComponentCustomizer providerHttpCustomizer(GatewayProperties properties) {
        return ComponentCustomizer.builder(HttpComponent.class).build(http -> {
            long connect = properties.getProviders().getConnectTimeout().toMillis();
            long response = properties.getProviders().getResponseTimeout().toMillis();
            http.setConnectTimeout(connect);
            http.setConnectionRequestTimeout(connect);
            http.setResponseTimeout(response);
            http.setSoTimeout(response);
            http.setHttpClientConfigurer(builder -> builder.disableAutomaticRetries());
        });
    }
}
