package de.inboxgateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.camel.CamelContext;
import org.apache.camel.ServiceStatus;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

import de.inboxgateway.testing.GatewayTest;

/** Every route in routes/ is loaded and started by the real gateway, and every bean it names exists. */
class RoutesStartIT extends GatewayTest {

    private static final Pattern ROUTE_ID = Pattern.compile("(?m)^- route:\\s*\\n\\s+id:\\s*(\\S+)");
    private static final Pattern REF = Pattern.compile("(?m)^\\s+ref:\\s*(\\S+)");

    @Autowired
    CamelContext camel;
    @Autowired
    ApplicationContext spring;

    @Test
    void everyRouteOfEveryFileIsStarted() throws Exception {
        Set<String> declared = new HashSet<>();
        for (Path file : RoutesLintTest.routeFiles()) {
            Matcher m = ROUTE_ID.matcher(Files.readString(file));
            while (m.find()) {
                declared.add(m.group(1));
            }
            RoutesLintTest.templatedRoutes(file).forEach(route -> declared.add(route.get("routeId")));
        }
        assertThat(declared).contains("inbound-whatsapp", "inbound-sms", "inbound-sms-status", "inbound-pipeline",
                "api-list-conversations", "admin-create-tenant");
        List<String> notStarted = new ArrayList<>();
        for (String id : declared) {
            ServiceStatus status = camel.getRouteController().getRouteStatus(id);
            // The sandbox provider must stay off unless gateway.sandbox.enabled (SandboxIT starts it).
            // The broadcast pacer is off in tests (gateway.broadcast.enabled=false): cached contexts share one database.
            ServiceStatus expected = id.startsWith("sandbox-") || id.equals("broadcast-pacer")
                    ? ServiceStatus.Stopped : ServiceStatus.Started;
            if (status != expected) {
                notStarted.add(id + "=" + status);
            }
        }
        assertThat(notStarted).isEmpty();
        assertThat(http.post("/sandbox/inbound", "{}", admin()).status()).isEqualTo(404);
    }

    @Test
    void everyBeanReferencedFromYamlExists() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Path file : RoutesLintTest.routeFiles()) {
            Matcher m = REF.matcher(Files.readString(file));
            while (m.find()) {
                if (!m.group(1).contains("{{") && !spring.containsBean(m.group(1))) {
                    missing.add(file.getFileName() + ": " + m.group(1));
                }
            }
            for (var route : RoutesLintTest.templatedRoutes(file)) { // a template's "{{bean}}" is its parameter
                if (route.containsKey("bean") && !spring.containsBean(route.get("bean"))) {
                    missing.add(file.getFileName() + ": " + route.get("routeId") + " names bean " + route.get("bean"));
                }
            }
        }
        assertThat(missing).isEmpty();
    }
}
