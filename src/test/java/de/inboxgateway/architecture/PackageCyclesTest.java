package de.inboxgateway.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The packages of the gateway depend on each other without cycles, read from the compiled classes
 * with the JDK's own jdeps: a feature can be understood (and changed) from its package and those
 * below it. The edges that would close a cycle are named when it fails.
 */
class PackageCyclesTest {

    private static final String ROOT = "de.inboxgateway.";
    private static final Pattern EDGE = Pattern.compile("^\\s+(de\\.inboxgateway[\\w.]*)\\s+->\\s+(de\\.inboxgateway[\\w.]*)",
            Pattern.MULTILINE);

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int status = jdeps.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-verbose:package",
                "-filter:none", "-e", "de\\.inboxgateway.*", "target/classes");
        assertThat(status).as(out.toString()).isZero();
        Map<String, Set<String>> edges = new HashMap<>();
        Matcher m = EDGE.matcher(out.toString());
        while (m.find()) {
            if (!m.group(1).equals(m.group(2))) {
                edges.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
            }
        }
        assertThat(edges).as("jdeps found the gateway's packages").hasSizeGreaterThan(10);
        Set<String> cyclic = new TreeSet<>();
        for (String start : edges.keySet()) {
            if (reachable(edges, start).contains(start)) {
                cyclic.add(start.substring(ROOT.length()) + " -> " + edges.get(start).stream()
                        .filter(next -> reachable(edges, next).contains(start))
                        .map(next -> next.substring(ROOT.length())).toList());
            }
        }
        assertThat(cyclic).as("packages in a cycle, with the edges that close it").isEmpty();
    }

    private static Set<String> reachable(Map<String, Set<String>> edges, String from) {
        Set<String> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(edges.getOrDefault(from, Set.of()));
        while (!todo.isEmpty()) {
            String next = todo.pop();
            if (seen.add(next)) {
                todo.addAll(edges.getOrDefault(next, Set.of()));
            }
        }
        return seen;
    }

}
