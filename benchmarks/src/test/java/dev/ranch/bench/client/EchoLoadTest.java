package dev.ranch.bench.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.bench.BenchServer;
import dev.ranch.bench.server.Server;
import dev.ranch.core.test.ExternalProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@link EchoLoad}, the echo client that {@code scripts/kernel-compare.py} runs in its own JVM,
 * keeps its promises: it says when it measures, counts the round trips of a bounded run, exits
 * 0, and exits 2 with its usage on a bad argument.
 */
class EchoLoadTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern DONE = Pattern.compile("round-trips (\\d+) seconds ([\\d.]+)");

    @Test
    void aBoundedRunCountsRoundTripsAndEnds() {
        try (Server echo = BenchServer.start("ranch-echo", 0)) {
            ExternalProcess load = ExternalProcess.run(TIMEOUT, java(String.valueOf(echo.port()),
                    "--connections", "4", "--size", "64", "--seconds", "0.5"));

            String output = load.output();
            assertEquals(0, load.exitCode(), output);
            assertTrue(output.contains("measuring"), output);
            Matcher done = DONE.matcher(output);
            assertTrue(done.find(), output);
            assertTrue(Long.parseLong(done.group(1)) > 0, output);
            assertTrue(Double.parseDouble(done.group(2)) >= 0.5, output);
        }
    }

    @Test
    void aBadArgumentExitsWithUsage() {
        ExternalProcess load = ExternalProcess.run(TIMEOUT, java("--connections", "0"));

        assertEquals(2, load.exitCode(), load.output());
        assertTrue(load.output().contains("usage: EchoLoad PORT"), load.output());
    }

    private static List<String> java(String... arguments) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), EchoLoad.class.getName()));
        command.addAll(List.of(arguments));
        return command;
    }
}
