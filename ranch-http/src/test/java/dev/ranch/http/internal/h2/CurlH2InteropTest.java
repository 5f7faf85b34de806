package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.SystemPackages;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ranch-http's HTTP/2 as curl (libcurl over nghttp2) speaks it: {@code --http2} over TLS, where
 * ALPN must settle on {@code h2}, and {@code --http2-prior-knowledge} on a plain port. Each
 * case runs both ways. Skipped with the reason where curl is missing and cannot be installed.
 */
class CurlH2InteropTest {

    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(60);

    /** How curl reaches the server. */
    enum Mode {
        /** {@code --http2-prior-knowledge http://...}: h2c, no negotiation. */
        H2C,
        /** {@code --http2 https://...}: h2 offered by ALPN, the certificate verified. */
        H2
    }

    @TestRanch
    Ranch ranch;

    @TempDir
    Path dir;

    private Path curl;
    private InteropServer server;

    @BeforeEach
    void start() {
        curl = SystemPackages.require("curl", "curl");
        server = InteropServer.start(ranch);
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aGetIsAnsweredOverHttp2AndTheHandlerSeesVersion20(Mode mode) {
        ExternalProcess get = curl(mode, "--verbose", "/version");

        String output = get.output();
        assertEquals(0, get.exitCode(), output);
        assertTrue(output.contains("< HTTP/2 200"), output);
        assertTrue(output.contains("version 20"), output);
        if (mode == Mode.H2) {
            assertTrue(output.contains("ALPN: server accepted h2"), output);
            assertTrue(output.contains("SSL certificate verify ok"), output);
        }
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void aPostedMegabyteIsEchoedByteExact(Mode mode) throws Exception {
        byte[] body = Bytes.random((1 << 20) + 5, 17);
        Path sent = Files.write(dir.resolve("sent.bin"), body);
        Path received = dir.resolve("received.bin");

        ExternalProcess post = curl(mode, "--data-binary", "@" + sent, "--header", "Content-Type: application/x-test",
                "--output", received.toString(), "--write-out", "%{http_version} %{http_code} %{content_type}", "/echo");

        assertEquals(0, post.exitCode(), post.output());
        assertTrue(post.output().contains("2 200 application/x-test"), post.output());
        assertArrayEquals(body, Files.readAllBytes(received));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void eightMebibytesArriveWholeThroughTheFlowControlWindows(Mode mode) throws Exception {
        Path received = dir.resolve("large.bin");

        ExternalProcess get = curl(mode, "--output", received.toString(), "--write-out", "%{http_version} %{http_code}",
                "/large");

        assertEquals(0, get.exitCode(), get.output());
        assertTrue(get.output().contains("2 200"), get.output());
        assertEquals(InteropServer.LARGE, Files.size(received));
        assertEquals(InteropServer.largeSha256(), InteropServer.sha256(Files.readAllBytes(received)));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void trailersOfAStreamedResponseArriveWithItsWholeBody(Mode mode) throws Exception {
        Path received = dir.resolve("streamed.txt");

        // The body to a file: curl's standard output and its --verbose lines interleave unpredictably.
        ExternalProcess get = curl(mode, "--verbose", "--output", received.toString(), "/streamed-trailers");

        String output = get.output();
        assertEquals(0, get.exitCode(), output);
        assertEquals(InteropServer.streamedSha256(), InteropServer.sha256(Files.readAllBytes(received)));
        assertTrue(output.contains("< x-checksum: " + InteropServer.streamedSha256() + "\r\n"), output);
        assertTrue(output.contains("< x-lines: " + InteropServer.STREAMED_LINES + "\r\n"), output);
    }

    private ExternalProcess curl(Mode mode, String... argumentsThenPath) {
        List<String> command = new ArrayList<>(List.of(curl.toString(), "--silent", "--show-error", "--max-time", "45"));
        String origin;
        if (mode == Mode.H2) {
            command.addAll(List.of("--http2", "--cacert", TestCertificates.get().caPem().toString(),
                    // The listener is on IPv4 loopback; "localhost" is the name the certificate carries.
                    "--resolve", "localhost:" + server.h2Port() + ":127.0.0.1"));
            origin = server.h2Origin();
        } else {
            command.add("--http2-prior-knowledge");
            origin = server.h2cOrigin();
        }
        int last = argumentsThenPath.length - 1;
        command.addAll(List.of(argumentsThenPath).subList(0, last));
        command.add(origin + argumentsThenPath[last]);
        return ExternalProcess.run(CURL_TIMEOUT, command);
    }
}
