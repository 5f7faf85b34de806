package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.core.test.TestRanch;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One plain port serves HTTP/1.1 and h2c with prior knowledge, told apart by the first bytes. */
class NegotiationTest {

    @TestRanch
    Ranch ranch;

    private int start() {
        Router router = Router.builder().get("/", (req, res) -> res.send("version " + req.version())).build();
        return HttpServer.start(ranch, "web", Loopback.options().build(), router, HttpOptions.DEFAULTS).port();
    }

    @Test
    void thePrefaceChoosesHttp2AndAnythingElseHttp11OnTheSamePort() {
        int port = start();
        try (FrameClient h2 = FrameClient.handshake(port); TestClient h1 = TestClient.connect(port)) {
            h2.get(1, "/");
            assertEquals("version 20", h2.response(1).bodyText());
            h1.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String answer = new String(h1.readToEnd(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.endsWith("version 11"), answer);
        }
    }

    @Test
    void aPrefaceSplitByteByByteIsStillRecognised() {
        int port = start();
        try (TestClient raw = TestClient.connect(port)) {
            for (byte b : Http2Connection.PREFACE) {
                raw.write(new byte[] {b});
            }
            raw.write(FrameClient.bytes(FrameType.SETTINGS, 0, 0, new byte[0]));
            byte[] head = raw.readExactly(FrameType.HEADER_LENGTH);
            assertEquals(FrameType.SETTINGS, head[3], "the server's preface is its SETTINGS frame");
        }
    }

    @Test
    void aRequestLineStartingLikeThePrefaceStaysHttp11() {
        int port = start();
        try (TestClient raw = TestClient.connect(port)) {
            raw.write("PRI / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            String answer = new String(raw.readToEnd(), StandardCharsets.ISO_8859_1);
            assertTrue(answer.startsWith("HTTP/1.1 "), answer);
        }
    }

    /** A TLS client offering {@code protocols} by ALPN; returns the protocol the server chose. */
    private static String alpn(int port, String... protocols) throws Exception {
        TestCertificates certificates = TestCertificates.get();
        try (SSLSocket socket = (SSLSocket) certificates.clientContext().getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(protocols);
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket.getApplicationProtocol();
        }
    }

    @Test
    void startTlsOffersH2ThenHttp11ByAlpn() throws Exception {
        Router router = Router.builder().get("/", (req, res) -> res.send("ok")).build();
        int port = HttpServer.startTls(ranch, "tls", Loopback.options().build(),
                TlsOptions.builder(TestCertificates.get().serverContext()).build(), router, HttpOptions.DEFAULTS).port();
        assertEquals("h2", alpn(port, "h2", "http/1.1"));
        assertEquals("h2", alpn(port, "http/1.1", "h2"), "the server's preference decides");
        assertEquals("http/1.1", alpn(port, "http/1.1"));
    }

    @Test
    void anAlpnListTheCallerGivesIsKept() throws Exception {
        Router router = Router.builder().get("/", (req, res) -> res.send("ok")).build();
        int port = HttpServer.startTls(ranch, "tls11", Loopback.options().build(),
                TlsOptions.builder(TestCertificates.get().serverContext()).applicationProtocols("http/1.1").build(),
                router, HttpOptions.DEFAULTS).port();
        assertEquals("http/1.1", alpn(port, "h2", "http/1.1"));
    }
}
