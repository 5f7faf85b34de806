package dev.ranch.core.proxy;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.HaProxy;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestCertificates.Identity;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import static dev.ranch.core.test.EchoProtocol.assertEchoes;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real HAProxy (Debian's package) in front of ranch listeners that require or accept the
 * PROXY protocol: the protocol sees the client's address as its peer and HAProxy's frontend as
 * its local address, never a byte of the header, and, with version 2, the TLVs HAProxy adds
 * (SNI authority, SSL facts, CRC32C checksum, unique id). Skipped with a message where HAProxy
 * is not installed and cannot be.
 */
class HaProxyInteropTest {

    private static final String LOOPBACK = InetAddress.getLoopbackAddress().getHostAddress();

    @TestRanch
    Ranch ranch;

    @RegisterExtension
    final OpenClients clients = new OpenClients();

    /** What each served connection reported, by the port its peer address says the client used. */
    private final Map<Integer, Served> served = new ConcurrentHashMap<>();

    private record Served(InetSocketAddress peer, InetSocketAddress local, Optional<ProxyHeader> header) {}

    /** Echoes, and records its connection's addresses and header once it is served. */
    private final class RecordingEcho extends EchoProtocol {
        @Override
        public void onHandshake(Connection connection) {
            InetSocketAddress peer = (InetSocketAddress) connection.peer();
            served.put(peer.getPort(), new Served(peer, (InetSocketAddress) connection.local(),
                    connection.proxyHeader()));
        }
    }

    private Listener start(Transport transport, ProxyMode mode) {
        return ranch.startListener("behind-haproxy", transport,
                Loopback.options().proxyProtocol(mode).build(), connection -> new RecordingEcho());
    }

    private Served servedFor(int clientPort) {
        await().atMost(PATIENCE).until(() -> served.containsKey(clientPort));
        return served.get(clientPort);
    }

    @ParameterizedTest
    @EnumSource(HaProxy.Header.class)
    void theProtocolSeesEachClientsOwnAddressAndNoneOfTheHeader(HaProxy.Header version) {
        Listener listener = start(Transports.tcp(), ProxyMode.REQUIRED);
        try (HaProxy proxy = HaProxy.inFrontOf(listener.port()).header(version).start()) {
            List<TestClient> many = clients.connectConcurrently(proxy.port(), 10, 5);
            for (TestClient client : many) {
                // The echo proves the header was taken off: only the client's own bytes come back.
                assertEchoes(client, "through haproxy " + version);
                Served seen = servedFor(client.socket().getLocalPort());
                assertEquals(new InetSocketAddress(LOOPBACK, client.socket().getLocalPort()), seen.peer());
                assertEquals(new InetSocketAddress(LOOPBACK, proxy.port()), seen.local(),
                        "the address the client connected to, which is HAProxy's, not ranch's");
                ProxyHeader header = seen.header().orElseThrow();
                assertEquals(version == HaProxy.Header.V1 ? 1 : 2, header.version());
                assertEquals(seen.peer(), header.source());
            }
            assertEquals(10, served.size());
        }
    }

    @Test
    void tlsThroughAPassThroughHaProxyStartsAfterTheHeader() {
        TestCertificates certificates = TestCertificates.get();
        Listener listener = start(Transports.tls(TlsOptions.builder(certificates.serverContext()).build()),
                ProxyMode.REQUIRED);
        try (HaProxy proxy = HaProxy.inFrontOf(listener.port()).header(HaProxy.Header.V2).start();
             TlsTestClient client = TlsTestClient.to(proxy.port(), certificates.clientContext()).connect()) {
            assertEquals(certificates.certificate(Identity.SERVER), client.peerCertificate());
            assertEquals("secure and proxied", client.echo("secure and proxied"));
            Served seen = servedFor(client.socket().getLocalPort());
            assertEquals(client.socket().getLocalPort(), seen.peer().getPort());
        }
    }

    @Test
    void version2CarriesTheTlvsHaProxyAdds() {
        TestCertificates certificates = TestCertificates.get();
        Listener listener = start(Transports.tcp(), ProxyMode.REQUIRED);
        try (HaProxy proxy = HaProxy.inFrontOf(listener.port()).header(HaProxy.Header.V2)
                .terminateTls(certificates.combinedPem(Identity.SERVER))
                .v2Options("ssl", "authority", "crc32c", "unique-id")
                .uniqueIdFormat("%ci:%cp")
                .start();
             TlsTestClient client = TlsTestClient.to(proxy.port(), certificates.clientContext())
                     .serverName("alpha.test").protocols("TLSv1.3").connect()) {
            // HAProxy decrypts; ranch gets plaintext behind a header describing the TLS it ended.
            assertEquals("tlv path", client.echo("tlv path"));
            int clientPort = client.socket().getLocalPort();
            ProxyHeader header = servedFor(clientPort).header().orElseThrow();
            assertEquals(Optional.of("alpha.test"), header.authority());
            SslInfo ssl = header.ssl().orElseThrow();
            assertTrue(ssl.clientSsl(), ssl.toString());
            assertEquals(Optional.of("TLSv1.3"), ssl.version());
            assertTrue(header.tlv(ProxyTlv.PP2_TYPE_CRC32C).isPresent(), "checksummed, and the checksum held");
            assertEquals(LOOPBACK + ":" + clientPort,
                    new String(header.uniqueId().orElseThrow(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void optionalServesProxiedAndDirectClientsSideBySide() {
        Listener listener = start(Transports.tcp(), ProxyMode.OPTIONAL);
        try (HaProxy proxy = HaProxy.inFrontOf(listener.port()).header(HaProxy.Header.V2).start()) {
            TestClient proxied = clients.connect(proxy.port());
            TestClient direct = clients.connect(listener.port());
            assertEchoes(proxied, "via haproxy");
            assertEchoes(direct, "straight to ranch");
            assertTrue(servedFor(proxied.socket().getLocalPort()).header().isPresent());
            Served plain = servedFor(direct.socket().getLocalPort());
            assertFalse(plain.header().isPresent());
            assertEquals(listener.port(), plain.local().getPort());
        }
    }

    @Test
    void optionalOnATlsListenerTellsAHeaderFromAClientHello() {
        TestCertificates certificates = TestCertificates.get();
        Listener listener = start(Transports.tls(TlsOptions.builder(certificates.serverContext()).build()),
                ProxyMode.OPTIONAL);
        try (HaProxy proxy = HaProxy.inFrontOf(listener.port()).header(HaProxy.Header.V1).start();
             TlsTestClient proxied = TlsTestClient.to(proxy.port(), certificates.clientContext()).connect();
             TlsTestClient direct = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            assertEquals("proxied", proxied.echo("proxied"));
            assertEquals("direct", direct.echo("direct"));
            assertTrue(servedFor(proxied.socket().getLocalPort()).header().isPresent());
            assertFalse(servedFor(direct.socket().getLocalPort()).header().isPresent());
        }
    }

    @Test
    void healthChecksArriveWithALocalHeaderAndKeepTheirRealPeer() {
        Listener listener = start(Transports.tcp(), ProxyMode.REQUIRED);
        try (HaProxy proxy = HaProxy.inFrontOf(listener.port()).header(HaProxy.Header.V2)
                .healthChecks(Duration.ofMillis(100)).start()) {
            await().atMost(PATIENCE).until(() -> served.values().stream().anyMatch(
                    s -> s.header().map(h -> h.command() == ProxyHeader.Command.LOCAL).orElse(false)));
            Served check = served.values().stream()
                    .filter(s -> s.header().orElseThrow().command() == ProxyHeader.Command.LOCAL)
                    .findFirst().orElseThrow();
            // LOCAL: the proxy speaks for itself, so the socket's own addresses stand.
            assertEquals(LOOPBACK, check.peer().getAddress().getHostAddress());
            assertEquals(listener.port(), check.local().getPort());
            // Once, in a whole-suite run, HAProxy reset the first client it accepted 0.2 s after
            // its start, while its checks were already reaching us; the cause was not found, so
            // the client may try again within the test's patience. What is proved below does not
            // depend on that first connection.
            TestClient client = await("HAProxy forwards a client").atMost(PATIENCE)
                    .ignoreException(java.io.UncheckedIOException.class)
                    .until(() -> clients.connect(proxy.port()), java.util.Objects::nonNull);
            assertEchoes(client, "between health checks");
            assertEquals(client.socket().getLocalPort(), servedFor(client.socket().getLocalPort()).peer().getPort());
            assertEquals(0, listener.info().handshakeFailures(), "a health check is not a failure");
        }
    }

    @Test
    void startTlsBehindHaProxyKeepsTheProxiedAddress() {
        TestCertificates certificates = TestCertificates.get();
        TlsOptions tls = TlsOptions.builder(certificates.serverContext()).build();
        Listener listener = ranch.startListener("starttls-behind-haproxy", Transports.tcp(),
                Loopback.options().proxyProtocol(ProxyMode.REQUIRED).build(), connection -> new Protocol() {
                    @Override
                    public void onData(Connection c, ByteBuffer data) {
                        if (c.tls().isPresent()) {
                            c.write(data);
                            return;
                        }
                        // One command only: anything else, and what follows it, is dropped.
                        data.position(data.limit());
                        c.write("go\n".getBytes(StandardCharsets.US_ASCII));
                        c.startTls(tls);
                    }

                    @Override
                    public void onTlsStarted(Connection c) {
                        int port = ((InetSocketAddress) c.peer()).getPort();
                        c.write(("peer " + port + "\n").getBytes(StandardCharsets.US_ASCII));
                    }
                });
        try (HaProxy proxy = HaProxy.inFrontOf(listener.port()).header(HaProxy.Header.V2).start()) {
            TestClient plain = clients.connect(proxy.port());
            assertEquals("go", plain.write("STARTTLS\n").readLine());
            try (TlsTestClient secure = TlsTestClient.upgrade(plain.socket(), certificates.clientContext())) {
                String expected = "peer " + plain.socket().getLocalPort() + "\n";
                assertEquals(expected, secure.readString(expected.length()));
                assertEquals("encrypted echo", secure.echo("encrypted echo"));
            }
        }
    }
}
