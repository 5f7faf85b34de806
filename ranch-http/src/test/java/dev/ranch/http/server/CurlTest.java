package dev.ranch.http.server;

import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The server as curl sees it; skipped where curl is not installed. */
class CurlTest {

    private static String curl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("curl", "--silent", "--show-error", "--max-time", "10",
                "--http1.1"));
        command.addAll(List.of(args));
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException notInstalled) {
            assumeTrue(false, "curl is not installed: " + notInstalled.getMessage());
            throw notInstalled;
        }
        assertTrue(process.waitFor(20, TimeUnit.SECONDS), "curl did not finish");
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void curlGetsPostsAndReusesTheConnection() throws Exception {
        Router router = Router.builder()
                .get("/hello", (req, res) -> res.send("hello curl"))
                .post("/echo", (req, res) -> res.send(req.bodyAsString()))
                .build();
        try (TestServer server = TestServer.start(router)) {
            assertEquals("hello curl", curl(server.url("/hello")));
            assertEquals("a=1&b=2", curl("--data", "a=1&b=2", server.url("/echo")));
            // Two URLs on one command line share a kept-alive connection.
            String verbose = curl("--verbose", server.url("/hello"), server.url("/hello"));
            assertTrue(verbose.contains("Re-using existing connection") || verbose.contains("Reusing existing"),
                    verbose);
        }
    }
}
