package dev.ranch.http.server;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.SystemPackages;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ranch-http over the TLS transport ({@code HttpServer.startTls}), as curl (OpenSSL underneath) sees it: the same router
 * answers over HTTPS, curl verifies the chain and the host name against the test CA, ALPN
 * settles on {@code http/1.1} although curl offers {@code h2} first, a kept-alive TLS
 * connection carries several requests, and a megabyte body survives the trip both ways.
 * The handler knows the request came over TLS. Skipped with a message where curl is not
 * installed and cannot be.
 */
class HttpsCurlTest {

    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(30);

    @TestRanch
    Ranch ranch;

    @TempDir
    Path dir;

    private final TestCertificates certificates = TestCertificates.get();
    private Path curl;
    private Listener listener;

    @BeforeEach
    void start() {
        curl = SystemPackages.require("curl", "curl");
        Router router = Router.builder()
                .get("/hello", (req, res) -> res.send(req.secure() ? "hello over tls" : "hello in plaintext"))
                .post("/echo", (req, res) -> res.header("Content-Type", "application/octet-stream").send(req.body()))
                .build();
        // An ALPN list given is kept as it is: this listener offers HTTP/1.1 only (h2 is the default).
        listener = HttpServer.startTls(ranch, "https", Loopback.options().build(),
                TlsOptions.builder(certificates.serverContext()).applicationProtocols("http/1.1").build(), router,
                HttpOptions.DEFAULTS);
    }

    private String url(String path) {
        return "https://localhost:" + listener.port() + path;
    }

    private ExternalProcess curl(String... args) {
        List<String> command = new ArrayList<>(List.of(curl.toString(), "--silent", "--show-error",
                "--max-time", "20", "--cacert", certificates.caPem().toString(),
                // The listener is on IPv4 loopback; "localhost" is the name the certificate carries.
                "--resolve", "localhost:" + listener.port() + ":127.0.0.1"));
        command.addAll(List.of(args));
        return ExternalProcess.run(CURL_TIMEOUT, command);
    }

    @Test
    void curlVerifiesTheServerAndGetsTheRoutersAnswerOverHttp11() {
        ExternalProcess get = curl("--verbose", url("/hello"));
        assertEquals(0, get.exitCode(), get.output());
        String output = get.output();
        assertTrue(output.contains("hello over tls"), output);
        assertTrue(output.contains("SSL certificate verify ok"), output);
        assertTrue(output.contains("ALPN: server accepted http/1.1"), output);
        assertTrue(output.contains("< HTTP/1.1 200"), output);
    }

    @Test
    void oneTlsConnectionCarriesSeveralRequests() {
        ExternalProcess twice = curl("--verbose", url("/hello"), url("/hello"));
        assertEquals(0, twice.exitCode(), twice.output());
        String output = twice.output();
        assertTrue(output.contains("Re-using existing connection") || output.contains("Reusing existing"), output);
        assertEquals(2, output.split("hello over tls", -1).length - 1, output);
    }

    @Test
    void aMegabyteBodyIsEchoedByteExact() throws Exception {
        byte[] body = Bytes.random(1024 * 1024 + 5, 21);
        Path sent = Files.write(dir.resolve("sent.bin"), body);
        Path received = dir.resolve("received.bin");
        ExternalProcess post = curl("--data-binary", "@" + sent, "--output", received.toString(),
                "--header", "Content-Type: application/octet-stream", url("/echo"));
        assertEquals(0, post.exitCode(), post.output());
        assertArrayEquals(body, Files.readAllBytes(received));
    }
}
