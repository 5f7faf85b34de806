package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.proxy.ProxyHeader;
import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A PROXY v2 header and the ClientHello behind it in one TCP write, as a proxy that forwards
 * TLS untouched sends them: the header is taken off, the hello reaches the engine whole, and
 * the server-name selector and the protocol see the proxied client.
 */
class ProxiedTlsTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.9", 40001);
    private static final InetSocketAddress SERVER = new InetSocketAddress("198.51.100.4", 443);

    @TestRanch(eventLoops = 1)
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    @ParameterizedTest(name = "server-name selector: {0}")
    @ValueSource(booleans = {false, true})
    void headerAndClientHelloInOneWriteHandshakeAndThePeerIsTheProxiedClient(boolean selector) {
        Queue<SocketAddress> selectorSaw = new ConcurrentLinkedQueue<>();
        TlsOptions.Builder tls = TlsOptions.builder(certificates.serverContext());
        if (selector) {
            tls.serverNames((name, connection) -> {
                selectorSaw.add(connection.peer());
                return certificates.serverContext();
            });
        }
        Listener listener = ranch.startListener("proxied-tls", Transports.tls(tls.build()),
                Loopback.options().proxyProtocol(ProxyMode.REQUIRED).build(),
                c -> new EchoProtocol() {
                    @Override
                    public void onHandshake(Connection connection) {
                        connection.write((connection.peer() + "|").getBytes(StandardCharsets.US_ASCII));
                    }
                });
        ByteBuffer header = ProxyHeader.v2().addresses(CLIENT, SERVER).encode();
        byte[] prefix = new byte[header.remaining()];
        header.get(prefix);
        byte[] greeting = (CLIENT + "|").getBytes(StandardCharsets.US_ASCII);
        try (ScriptedTlsClient client = ScriptedTlsClient.connect(listener.port(), certificates.clientContext(),
                "TLSv1.3")) {
            client.handshake(prefix, new byte[0]);
            assertArrayEquals(greeting, client.read(greeting.length));
            assertArrayEquals("echo".getBytes(), client.write("echo".getBytes()).read(4));
        }
        if (selector) {
            await().atMost(PATIENCE).until(() -> !selectorSaw.isEmpty());
            assertEquals(CLIENT, selectorSaw.peek());
        }
    }
}
