package de.inboxgateway.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * The inbound benchmark works: bench/inbound_bench.py --smoke starts the built jar on a fresh database,
 * provisions 16 tenants, drives a few hundred signed webhooks and reads their events from a live
 * screen. Benchmarks are not tests: nothing here asserts a timing.
 */
class BenchmarkSmokeIT {

    @Test
    void theBenchmarkRunsEndToEnd() throws IOException, InterruptedException {
        Path log = Files.createTempFile("bench-smoke", ".log");
        Process p = new ProcessBuilder("python3", "bench/inbound_bench.py", "--smoke")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertThat(p.waitFor(4, TimeUnit.MINUTES)).as("the smoke finishes").isTrue();
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(out);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("SMOKE OK: 4 levels, 600 webhooks").doesNotContain("errors 1");
    }
}
