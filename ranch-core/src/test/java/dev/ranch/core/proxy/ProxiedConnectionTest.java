package dev.ranch.core.proxy;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener that reads PROXY headers, over real sockets: the protocol sees the proxied
 * addresses from {@code init} on and exactly the bytes behind the header, however the header
 * is split; bad headers close only their own connection.
 */
class ProxiedConnectionTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 51234);
    private static final InetSocketAddress SERVER = new InetSocketAddress("198.51.100.2", 443);

    @TestRanch
    Ranch ranch;

    /** Answers the first line with "peer=<address> local=<address> data=<line>". */
    private static final class PeerReporter implements Protocol {
        private final StringBuilder line = new StringBuilder();
        private String peerAtInit;

        @Override
        public void init(Connection connection) {
            peerAtInit = String.valueOf(connection.peer());
            connection.handshake();
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            line.append(StandardCharsets.US_ASCII.decode(data));
            int end = line.indexOf("\n");
            if (end >= 0) {
                String version = connection.proxyHeader().map(h -> "v" + h.version()).orElse("none");
                connection.write(("peer=" + peerAtInit + " local=" + connection.local() + " header=" + version
                        + " data=" + line.substring(0, end) + "\n").getBytes(StandardCharsets.US_ASCII));
                connection.close();
            }
        }
    }

    private Listener listen(ProxyMode mode) {
        return ranch.startListener("proxied", Transports.tcp(),
                Loopback.options().proxyProtocol(mode).proxyHeaderTimeout(Duration.ofMillis(500)).build(),
                c -> new PeerReporter());
    }

    private static byte[] withData(ByteBuffer header, String data) {
        byte[] bytes = new byte[header.remaining() + data.length()];
        header.get(bytes, 0, header.remaining());
        byte[] tail = data.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(tail, 0, bytes, bytes.length - tail.length, tail.length);
        return bytes;
    }

    @Test
    void v2HeaderAndDataInOneWriteReachTheProtocolAsPeerAndUntouchedBytes() {
        Listener listener = listen(ProxyMode.REQUIRED);
        byte[] wire = withData(ProxyHeader.v2().addresses(CLIENT, SERVER).alpn("h2").crc32c().encode(), "hello\n");
        try (TestClient client = TestClient.connect(listener.port())) {
            client.write(wire);
            assertEquals("peer=" + CLIENT + " local=" + SERVER + " header=v2 data=hello", client.readLine());
        }
    }

    @Test
    void v1HeaderSentOneByteAtATimeIsAssembled() {
        Listener listener = listen(ProxyMode.REQUIRED);
        byte[] wire = withData(ProxyHeader.v1().addresses(CLIENT, SERVER).encode(), "split\n");
        try (TestClient client = TestClient.connect(listener.port())) {
            for (byte b : wire) {
                client.write(new byte[] {b});
            }
            assertEquals("peer=" + CLIENT + " local=" + SERVER + " header=v1 data=split", client.readLine());
        }
    }

    @Test
    void optionalModePassesPlainBytesThroughAndKeepsTheSocketPeer() {
        Listener listener = listen(ProxyMode.OPTIONAL);
        try (TestClient client = TestClient.connect(listener.port())) {
            client.write("PROXZ is not a header\n");
            String answer = client.readLine();
            assertTrue(answer.startsWith("peer=/127.0.0.1:" + client.socket().getLocalPort() + " "), answer);
            assertTrue(answer.endsWith(" header=none data=PROXZ is not a header"), answer);
        }
    }

    @Test
    void aMalformedHeaderClosesOnlyItsConnectionAndFreesItsSlot() {
        Listener listener = listen(ProxyMode.REQUIRED);
        try (TestClient good = TestClient.connect(listener.port());
             TestClient bad = TestClient.connect(listener.port())) {
            bad.write("PROXY TCP4 1.2.3.4 5.6.7.8 80 99999\r\nGET / HTTP/1.1\r\n");
            await().atMost(PATIENCE).until(bad::isClosedByPeer);
            good.write(withData(ProxyHeader.v1().addresses(CLIENT, SERVER).encode(), "still here\n"));
            assertTrue(good.readLine().endsWith("data=still here"));
        }
        await().atMost(PATIENCE).until(() -> listener.connections().isEmpty());
    }

    @Test
    void aHeaderThatNeverCompletesIsCutAtTheProxyHeaderTimeout() {
        Listener listener = listen(ProxyMode.REQUIRED);
        byte[] header = ProxyHeader.v2().addresses(CLIENT, SERVER).encode().array();
        try (TestClient slow = TestClient.connect(listener.port())) {
            slow.write(Arrays.copyOf(header, header.length - 1));
            await().atMost(PATIENCE).until(slow::isClosedByPeer);
        }
        await().atMost(PATIENCE).until(() -> listener.connections().isEmpty());
    }
}
