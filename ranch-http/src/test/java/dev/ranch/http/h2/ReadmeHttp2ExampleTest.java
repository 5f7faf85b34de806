package dev.ranch.http.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.SystemPackages;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's HTTP/2 example, kept compiling and working, and the "done when":
 * {@code curl --http2 -v https://localhost:PORT/} shows {@code HTTP/2 200} from it. The
 * example's ports become free ones on loopback and its key store the test CA's certificate;
 * the rest is the README's text.
 */
class ReadmeHttp2ExampleTest {

    private static final Duration CURL_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void curlGetsHttp2FromTheReadmeExample() {
        Path curl = SystemPackages.require("curl", "curl");
        try (Ranch ranch = Ranch.builder().eventLoops(2).build()) {
            SSLContext context = TestCertificates.get().serverContext();
            InetAddress loopback = InetAddress.getLoopbackAddress();
            // --- README HTTP/2 example begins (ports 8443 and 8080 there) ---
            Router router = Router.builder()
                    .get("/", (req, res) -> res.send(req.version() == 20 ? "hello over HTTP/2\n" : "hello over HTTP/1.1\n"))
                    .build();
            Listener secure = HttpServer.startTls(ranch, "web-tls", ListenerOptions.builder().bindAddress(loopback).port(0).build(),
                    TlsOptions.builder(context).build(), router, HttpOptions.DEFAULTS);   // h2 and http/1.1 by ALPN
            Listener plain = HttpServer.start(ranch, "web", ListenerOptions.builder().bindAddress(loopback).port(0).build(),
                    router, HttpOptions.DEFAULTS);                                          // HTTP/1.1 and h2c
            // --- README HTTP/2 example ends ---

            ExternalProcess h2 = ExternalProcess.run(CURL_TIMEOUT, curl.toString(), "--http2", "-v",
                    "--cacert", TestCertificates.get().caPem().toString(),
                    "--resolve", "localhost:" + secure.port() + ":127.0.0.1",
                    "https://localhost:" + secure.port() + "/");
            assertEquals(0, h2.exitCode(), h2.output());
            assertTrue(h2.output().contains("< HTTP/2 200"), h2.output());
            assertTrue(h2.output().contains("hello over HTTP/2"), h2.output());

            ExternalProcess h2c = ExternalProcess.run(CURL_TIMEOUT, curl.toString(), "--http2-prior-knowledge", "-v",
                    "http://127.0.0.1:" + plain.port() + "/");
            assertEquals(0, h2c.exitCode(), h2c.output());
            assertTrue(h2c.output().contains("< HTTP/2 200"), h2c.output());
            assertTrue(h2c.output().contains("hello over HTTP/2"), h2c.output());

            ExternalProcess http11 = ExternalProcess.run(CURL_TIMEOUT, curl.toString(), "--http1.1", "-v",
                    "http://127.0.0.1:" + plain.port() + "/");
            assertEquals(0, http11.exitCode(), http11.output());
            assertTrue(http11.output().contains("< HTTP/1.1 200"), http11.output());
            assertTrue(http11.output().contains("hello over HTTP/1.1"), http11.output());
        }
    }
}
