package dev.ranch.http.server;

import dev.ranch.core.Ranch;
import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.Stampede;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The {@link Stampede} against HTTPS behind a PROXY header: resets, half-closes and aborts in
 * the middle of the header, of the TLS handshake and of an HTTP request, while the listener is
 * suspended, resumed and re-limited at random, leave no connection, descriptor or thread
 * behind, the listener serves afterwards, and the limit holds. About 10 s by default, 30 s
 * under {@code -Pstress}.
 */
@EnabledOnOs(OS.LINUX)
class HttpStampedeTest {

    private static final byte[] REQUEST = "GET /hello HTTP/1.1\r\nHost: stampede\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] ANSWER_END = "\r\n\r\nhello".getBytes(StandardCharsets.ISO_8859_1);

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    @Test
    void aTenSecondStampedeOnHttpsBehindProxyLeavesNothingBehind() throws Exception {
        stampede(Duration.ofSeconds(10));
    }

    @Test
    @Tag("stress")
    void aThirtySecondStampedeOnHttpsBehindProxyLeavesNothingBehind() throws Exception {
        stampede(Duration.ofSeconds(30));
    }

    private void stampede(Duration length) throws Exception {
        Listener listener = HttpServer.startTls(ranch, "https-stampede",
                Loopback.options().proxyProtocol(ProxyMode.REQUIRED).numAcceptors(4)
                        .handshakeTimeout(Duration.ofSeconds(2)).proxyHeaderTimeout(Duration.ofSeconds(2)).build(),
                TlsOptions.builder(certificates.serverContext()).build(),
                Router.builder().get("/hello", (req, res) -> res.send("hello")).build(),
                HttpOptions.builder().requestHeaderTimeout(Duration.ofSeconds(2)).build());
        Stampede.run(listener, certificates.clientContext(), REQUEST, ANSWER_END, length);
    }
}
