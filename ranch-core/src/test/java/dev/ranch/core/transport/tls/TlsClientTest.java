package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.client.OutboundConnection;
import dev.ranch.core.client.OutboundState;
import dev.ranch.core.client.ReconnectPolicy;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestCertificates.Identity;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client side of the TLS transport: {@code Ranch.connect} over TLS to a ranch TLS
 * listener. The server's certificate must chain to the client's trust and name the host it
 * connected to; a handshake that fails counts toward the reconnect policy's attempts, so a
 * wrong certificate ends in {@code GAVE_UP} instead of a retry loop.
 */
class TlsClientTest {

    private static final ReconnectPolicy THREE_QUICK_ATTEMPTS = ReconnectPolicy.exponential()
            .initialDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(20)).maxAttempts(3).build();

    // Closed in this order after each test: the client first, as it would reconnect.
    @TestRanch(eventLoops = 1, jmx = false)
    Ranch client;
    @TestRanch(eventLoops = 1, jmx = false)
    Ranch server;

    private final TestCertificates certificates = TestCertificates.get();
    private final List<OutboundState> states = new CopyOnWriteArrayList<>();

    /** Says "hello" once the handshake is done; records what comes back and the TLS it saw. */
    private static final class Greeter implements Protocol {
        final StringBuilder received = new StringBuilder();
        volatile TlsInfo tls;

        @Override
        public void onHandshake(Connection connection) {
            tls = connection.tls().orElseThrow();
            connection.write("hello".getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            synchronized (received) {
                received.append(StandardCharsets.US_ASCII.decode(data));
            }
        }

        String received() {
            synchronized (received) {
                return received.toString();
            }
        }
    }

    private Listener tlsEcho(TlsOptions options, TlsRecordingEcho.Seen seen) {
        return server.startListener("tls-echo", Transports.tls(options), Loopback.options().build(),
                connection -> new TlsRecordingEcho(seen));
    }

    private OutboundConnection connect(Listener listener, TlsOptions options, Greeter greeter) {
        return client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()),
                Transports.tls(options), c -> greeter, THREE_QUICK_ATTEMPTS, (o, state) -> states.add(state));
    }

    @Test
    void anOutboundTlsConnectionEchoesAndReportsVersionAlpnAndTheServerName() {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener listener = tlsEcho(TlsOptions.builder(certificates.serverContext())
                .applicationProtocols("echo/2", "echo/1").build(), seen);
        Greeter greeter = new Greeter();
        OutboundConnection outbound = connect(listener, TlsOptions.clientBuilder(certificates.clientContext(), "localhost")
                .applicationProtocols("echo/1").build(), greeter);

        await("the echo came back through TLS").atMost(PATIENCE).until(() -> greeter.received().equals("hello"));
        assertEquals(OutboundState.CONNECTED, outbound.state());
        assertEquals("TLSv1.3", greeter.tls.session().getProtocol());
        assertEquals("echo/1", greeter.tls.applicationProtocol(), "the one protocol both sides have");
        assertEquals("localhost", greeter.tls.serverName());
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 1);
        assertEquals("localhost", seen.handshakes().get(0).serverName(), "the client sent the name as SNI");
    }

    @Test
    void aCertificateThatDoesNotNameTheHostFailsEveryHandshakeAndTheClientGivesUp() throws Exception {
        Listener listener = tlsEcho(TlsOptions.builder(certificates.serverContext()).build(), new TlsRecordingEcho.Seen());
        Greeter greeter = new Greeter();
        OutboundConnection outbound = connect(listener, TlsOptions.clientBuilder(certificates.clientContext(), "alpha.test")
                .build(), greeter);

        assertTrue(outbound.awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS), "ends: " + states);
        assertEquals(OutboundState.GAVE_UP, outbound.state());
        assertEquals(3, states.stream().filter(s -> s == OutboundState.CONNECTING).count(),
                "each failed handshake used one of the three attempts: " + states);
        assertEquals(null, greeter.tls, "the protocol never saw a finished handshake");
    }

    @Test
    void withNameVerificationOffATrustedCertificateForAnotherNameIsAccepted() {
        Listener listener = tlsEcho(TlsOptions.builder(certificates.serverContext()).build(), new TlsRecordingEcho.Seen());
        Greeter greeter = new Greeter();
        connect(listener, TlsOptions.clientBuilder(certificates.clientContext(), "alpha.test")
                .verifyServerName(false).build(), greeter);

        await().atMost(PATIENCE).until(() -> greeter.received().equals("hello"));
    }

    @Test
    void aServerNameThatSniCannotCarryStillConnectsWithoutSni() {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener listener = tlsEcho(TlsOptions.builder(certificates.serverContext()).build(), seen);
        Greeter greeter = new Greeter();
        connect(listener, TlsOptions.clientBuilder(certificates.clientContext(), "redis_1")
                .verifyServerName(false).build(), greeter);

        await().atMost(PATIENCE).until(() -> greeter.received().equals("hello"));
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 1);
        assertEquals(null, seen.handshakes().get(0).serverName(), "an underscore is not DNS: no SNI sent");
    }

    @Test
    void aServerTheClientDoesNotTrustFailsTheHandshake() throws Exception {
        Listener listener = tlsEcho(TlsOptions.builder(certificates.serverContext()).build(), new TlsRecordingEcho.Seen());
        Greeter greeter = new Greeter();
        OutboundConnection outbound = connect(listener, TlsOptions.clientBuilder(jdkDefaultTrust(), "localhost")
                .build(), greeter);

        assertTrue(outbound.awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS), "ends: " + states);
        assertEquals(OutboundState.GAVE_UP, outbound.state(), "the test CA is not among the JDK's roots");
    }

    @Test
    void theClientPresentsItsCertificateWhenTheServerRequiresOne() {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener listener = tlsEcho(TlsOptions.builder(certificates.serverContext())
                .clientAuth(ClientAuth.NEED).build(), seen);
        Greeter greeter = new Greeter();
        connect(listener, TlsOptions.clientBuilder(certificates.clientContext(Identity.CLIENT), "localhost").build(),
                greeter);

        await().atMost(PATIENCE).until(() -> greeter.received().equals("hello"));
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 1);
        X509Certificate presented = clientCertificate(seen.handshakes().get(0));
        assertEquals(certificates.certificate(Identity.CLIENT), presented);
    }

    @Test
    void serverOptionsCannotConnectAndClientOptionsCannotListen() {
        InetSocketAddress anywhere = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
        assertThrows(IllegalArgumentException.class, () -> client.connect(anywhere,
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()), c -> new Greeter(),
                THREE_QUICK_ATTEMPTS, null));
        assertThrows(IllegalArgumentException.class, () -> server.startListener("wrong-side",
                Transports.tls(TlsOptions.clientBuilder(certificates.clientContext(), "localhost").build()),
                Loopback.options().build(), c -> new Greeter()));
        assertThrows(IllegalArgumentException.class, () -> TlsOptions.clientBuilder(certificates.clientContext(),
                "localhost").clientAuth(ClientAuth.NEED).build());
    }

    private static X509Certificate clientCertificate(TlsInfo info) {
        try {
            return (X509Certificate) info.session().getPeerCertificates()[0];
        } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
            throw new AssertionError("the server saw no client certificate", e);
        }
    }

    private static SSLContext jdkDefaultTrust() throws NoSuchAlgorithmException {
        return SSLContext.getDefault();
    }
}
