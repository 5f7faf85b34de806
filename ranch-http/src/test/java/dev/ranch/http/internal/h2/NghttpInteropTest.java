package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.SystemPackages;
import dev.ranch.core.test.TestRanch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ranch-http's HTTP/2 as nghttp2's own clients speak it (Debian {@code nghttp2-client}):
 * {@code nghttp} sends trailers and receives them, shrinks its windows so that a large body moves only as fast
 * as its WINDOW_UPDATEs, and puts 100 streams on one connection ({@code -m}); {@code h2load}
 * does the same from its side. Every case runs over h2c with prior knowledge ({@code http})
 * and over TLS with ALPN ({@code https}; neither tool verifies the certificate). Skipped with
 * the reason where the package is missing and cannot be installed.
 */
class NghttpInteropTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern TOGETHER = Pattern.compile("together on connection (\\d+)");

    @TestRanch
    Ranch ranch;

    @TempDir
    Path dir;

    private Path nghttp;
    private InteropServer server;

    @BeforeEach
    void start() {
        nghttp = SystemPackages.require("nghttp", "nghttp2-client");
        server = InteropServer.start(ranch);
    }

    /** The listener for {@code scheme}, by address: both tools may try {@code ::1} first for "localhost". */
    private String origin(String scheme) {
        return scheme.equals("https") ? "https://127.0.0.1:" + server.h2Port() : server.h2cOrigin();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void aGetIsAnsweredAndTheHandlerSeesVersion20(String scheme) {
        ExternalProcess get = run(nghttp.toString(), "--verbose", origin(scheme) + "/version");

        String output = get.output();
        assertEquals(0, get.exitCode(), output);
        assertTrue(output.contains(":status: 200"), output);
        assertTrue(output.contains("version 20"), output);
        if (scheme.equals("https")) {
            assertTrue(output.contains("The negotiated protocol: h2"), output);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void trailersAfterABodyReachTheHandler(String scheme) throws Exception {
        byte[] body = Bytes.random(100_000, 5);
        Path upload = Files.write(dir.resolve("upload.bin"), body);
        String digest = InteropServer.sha256(body);

        ExternalProcess post = run(nghttp.toString(), "--data=" + upload,
                "--trailer=x-checksum: " + digest, "--trailer=x-count: 1", origin(scheme) + "/trailers");

        assertEquals(0, post.exitCode(), post.output());
        assertTrue(post.output().contains("x-checksum: " + digest + "\nx-count: 1\nbody " + body.length + "\n"),
                post.output());
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void trailersOfAStreamedResponseArriveInTheHeadersFrameThatEndsIt(String scheme) {
        ExternalProcess get = run(nghttp.toString(), "--verbose", origin(scheme) + "/streamed-trailers");

        String output = get.output();
        assertEquals(0, get.exitCode(), output);
        assertTrue(output.contains(String.format("line %058d\n", InteropServer.STREAMED_LINES - 1)), output);
        Matcher trailers = Pattern.compile("recv \\(stream_id=(\\d+)\\) x-checksum: " + InteropServer.streamedSha256()
                + "\n.*recv \\(stream_id=\\1\\) x-lines: " + InteropServer.STREAMED_LINES
                + "\n.*recv HEADERS frame <[^>]*stream_id=\\1>\n\\s*; END_STREAM \\| END_HEADERS").matcher(output);
        assertTrue(trailers.find(), output);
        assertFalse(output.substring(trailers.end()).contains("recv DATA frame"), "DATA after the trailers: " + output);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void eightMebibytesArriveWholeThroughSixteenKibibyteWindows(String scheme) throws Exception {
        Path received = dir.resolve("large.bin");

        // -w 14: 16 KiB stream window, -W 15: 32 KiB connection window, so the 8 MiB body
        // needs hundreds of WINDOW_UPDATEs. The body goes to standard output, hence the shell.
        ExternalProcess get = run("sh", "-c", "exec \"$0\" \"$@\" > " + received, nghttp.toString(),
                "-w", "14", "-W", "15", origin(scheme) + "/large");

        assertEquals(0, get.exitCode(), get.output());
        assertEquals(InteropServer.LARGE, Files.size(received));
        assertEquals(InteropServer.largeSha256(), InteropServer.sha256(Files.readAllBytes(received)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void aHundredStreamsRunSideBySideOnOneConnection(String scheme) {
        // The server answers none of them until all 100 wait (InteropServer /together).
        ExternalProcess together = run(nghttp.toString(), "--multiply=100", origin(scheme) + "/together?n=100");

        assertEquals(0, together.exitCode(), together.output());
        Matcher answers = TOGETHER.matcher(together.output());
        List<String> connections = new ArrayList<>();
        while (answers.find()) {
            connections.add(answers.group(1));
        }
        assertEquals(100, connections.size(), together.output());
        assertEquals(1, Set.copyOf(connections).size(), "one connection: " + Set.copyOf(connections));
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void h2loadGetsAHundredConcurrentAnswersOnOneConnection(String scheme) {
        Path h2load = SystemPackages.require("h2load", "nghttp2-client");

        ExternalProcess load = run(h2load.toString(), "-n100", "-c1", "-m100", origin(scheme) + "/together?n=100");

        String output = load.output();
        assertEquals(0, load.exitCode(), output);
        assertTrue(output.contains("Application protocol: " + (scheme.equals("https") ? "h2" : "h2c")), output);
        assertTrue(output.contains("100 total, 100 started, 100 done, 100 succeeded, 0 failed"), output);
        assertTrue(output.contains("status codes: 100 2xx"), output);
    }

    private static ExternalProcess run(String... command) {
        return ExternalProcess.run(TIMEOUT, command);
    }
}
