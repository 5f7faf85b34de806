package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.bench.server.Server;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.SystemPackages;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The h2c BenchServer modes answer what the h2load comparison ({@code scripts/h2load-compare.py})
 * asks of them: hello world over HTTP/2 with prior knowledge, to curl, and to h2load itself at
 * the comparison's shape (16 connections, 10 streams each), every request a 2xx. Skipped with
 * the reason where curl or nghttp2-client is missing and cannot be installed.
 */
class H2cServersTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @ParameterizedTest
    @ValueSource(strings = {"ranch-h2c", "netty-h2c"})
    void aGetIsHelloWorldOverHttp2WithPriorKnowledge(String mode) {
        Path curl = SystemPackages.require("curl", "curl");
        try (Server server = BenchServer.start(mode, 0)) {
            ExternalProcess get = ExternalProcess.run(TIMEOUT, curl.toString(), "--silent", "--show-error",
                    "--include", "--http2-prior-knowledge", "http://127.0.0.1:" + server.port() + "/");

            String output = get.output();
            assertEquals(0, get.exitCode(), output);
            assertTrue(output.startsWith("HTTP/2 200"), output);
            assertTrue(output.toLowerCase().contains("content-type: text/plain"), output);
            assertTrue(output.endsWith("\r\n\r\nHello, World!"), output);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"ranch-h2c", "netty-h2c"})
    void h2loadAtTheComparisonsShapeGetsOnlySuccesses(String mode) {
        Path h2load = SystemPackages.require("h2load", "nghttp2-client");
        try (Server server = BenchServer.start(mode, 0)) {
            ExternalProcess load = ExternalProcess.run(TIMEOUT, h2load.toString(), "-n1600", "-c16", "-m10",
                    "http://127.0.0.1:" + server.port() + "/");

            String output = load.output();
            assertEquals(0, load.exitCode(), output);
            assertTrue(output.contains("Application protocol: h2c"), output);
            assertTrue(output.contains("1600 total, 1600 started, 1600 done, 1600 succeeded, 0 failed"), output);
            assertTrue(output.contains("status codes: 1600 2xx"), output);
        }
    }
}
