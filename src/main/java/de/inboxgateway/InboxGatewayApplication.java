package de.inboxgateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class InboxGatewayApplication {

    public static void main(String[] args) {
        SpringApplication.run(InboxGatewayApplication.class, args);
    }
}
