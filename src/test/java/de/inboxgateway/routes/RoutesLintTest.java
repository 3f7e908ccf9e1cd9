package de.inboxgateway.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.core.io.ClassPathResource;
import org.yaml.snakeyaml.Yaml;

/**
 * The ops-owned routes/ folder, checked as text: every route, REST verb and route configuration
 * has an id, ids are unique, every {{placeholder}} is defined, and no SQL is built from ${...}.
 * RoutesStartIT then starts them all in the real gateway.
 */
public class RoutesLintTest {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}:]+)(:[^}]*)?}}");
    private static final Pattern SQL = Pattern.compile("(?i)\\b(select|insert|update|delete)\\b.*\\$\\{");

    public static List<Path> routeFiles() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            return files.filter(p -> p.toString().endsWith(".camel.yaml")).sorted().toList();
        }
    }

    @Test
    void everyRouteHasAUniqueId() throws IOException {
        Set<String> ids = new HashSet<>();
        List<String> problems = new ArrayList<>();
        int routes = 0;
        for (Path file : routeFiles()) {
            List<?> docs = new Yaml().load(Files.readString(file));
            assertThat(docs).as(file + " must be a YAML list").isNotNull();
            for (Object doc : docs) {
                Map<?, ?> node = (Map<?, ?>) doc;
                for (String kind : List.of("route", "routeConfiguration", "rest", "routeTemplate", "templatedRoute")) {
                    if (node.get(kind) instanceof Map<?, ?> def) {
                        Object id = def.get(kind.equals("templatedRoute") ? "routeId" : "id");
                        if (id == null) {
                            problems.add(file.getFileName() + ": a " + kind + " without id");
                        } else if (!ids.add(id.toString())) {
                            problems.add(file.getFileName() + ": duplicate id " + id);
                        }
                        routes++;
                        if (kind.equals("rest")) {
                            for (String verb : List.of("get", "post", "put", "delete", "patch")) {
                                if (def.get(verb) instanceof List<?> verbs) {
                                    for (Object v : verbs) {
                                        Object verbId = ((Map<?, ?>) v).get("id");
                                        if (verbId == null || !ids.add(verbId.toString())) {
                                            problems.add(file.getFileName() + ": REST " + verb + " "
                                                    + ((Map<?, ?>) v).get("path") + " has no unique id");
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(routes).isGreaterThan(10);
    }

    /** Names a routeTemplate of the file declares: {{name}} inside it is the template's, not a property. */
    static Set<String> templateParameters(Path file) throws IOException {
        Set<String> names = new HashSet<>();
        for (Object doc : (List<?>) new Yaml().load(Files.readString(file))) {
            if (((Map<?, ?>) doc).get("routeTemplate") instanceof Map<?, ?> template
                    && template.get("parameters") instanceof List<?> parameters) {
                parameters.forEach(p -> names.add(String.valueOf(((Map<?, ?>) p).get("name"))));
            }
        }
        return names;
    }

    /** The parameter values of every templatedRoute in the file, by parameter name. */
    static List<Map<String, String>> templatedRoutes(Path file) throws IOException {
        List<Map<String, String>> routes = new ArrayList<>();
        for (Object doc : (List<?>) new Yaml().load(Files.readString(file))) {
            if (((Map<?, ?>) doc).get("templatedRoute") instanceof Map<?, ?> route) {
                Map<String, String> values = new java.util.HashMap<>();
                values.put("routeId", String.valueOf(route.get("routeId")));
                ((List<?>) route.get("parameters")).forEach(p -> values.put(String.valueOf(((Map<?, ?>) p).get("name")),
                        String.valueOf(((Map<?, ?>) p).get("value"))));
                routes.add(values);
            }
        }
        return routes;
    }

    @Test
    void everyPlaceholderIsDefined() throws IOException {
        YamlPropertiesFactoryBean yaml = new YamlPropertiesFactoryBean();
        yaml.setResources(new ClassPathResource("application.yaml"));
        Properties defaults = yaml.getObject();
        // gateway.* settings are declared (with their defaults) in GatewayProperties, which routes read.
        var declared = new de.inboxgateway.config.GatewayPropertiesSource(new de.inboxgateway.config.GatewayProperties());
        List<String> undefined = new ArrayList<>();
        for (Path file : routeFiles()) {
            Set<String> templateParameters = templateParameters(file);
            Matcher m = PLACEHOLDER.matcher(Files.readString(file));
            while (m.find()) {
                if (m.group(2) == null && !defaults.containsKey(m.group(1)) && !templateParameters.contains(m.group(1))
                        && declared.getProperty(m.group(1)) == null) {
                    undefined.add(file.getFileName() + ": {{" + m.group(1) + "}}");
                }
            }
        }
        assertThat(undefined).isEmpty();
    }

    @Test
    void noSqlIsBuiltFromExpressionsAndNoSecretsInRoutes() throws IOException {
        for (Path file : routeFiles()) {
            for (String line : Files.readAllLines(file)) {
                if (line.strip().startsWith("#")) {
                    continue;
                }
                assertThat(SQL.matcher(line).find()).as(file + ": " + line).isFalse();
                assertThat(line).as(file + ": secrets belong in configuration")
                        .doesNotContainIgnoringCase("password=").doesNotContainIgnoringCase("authToken=")
                        .doesNotContainIgnoringCase("Bearer ");
            }
        }
    }
}
