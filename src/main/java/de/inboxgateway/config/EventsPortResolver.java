package de.inboxgateway.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * {@code gateway.events.port=0} means "any free port", like {@code server.port=0}. The port is chosen
 * once, before the routes read it, so the Vert.x server and everything that reports it agree
 * (several gateways in one JVM, as the multi-instance tests run them, each get their own).
 */
public class EventsPortResolver implements EnvironmentPostProcessor, Ordered {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!"0".equals(environment.getProperty("gateway.events.port"))) {
            return;
        }
        try (ServerSocket socket = new ServerSocket(0)) {
            environment.getPropertySources().addFirst(new MapPropertySource("gateway-events-port",
                    Map.of("gateway.events.port", socket.getLocalPort())));
        } catch (IOException e) {
            throw new UncheckedIOException("no free port for the event feed", e);
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE; // after application.yaml and test properties are in place
    }
}
