package dev.ranch.core.transport.tls;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestCertificates.Identity;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With client authentication the server sees who the client is, and with {@code NEED} a client
 * without an acceptable certificate (none, expired, or from a CA the server does not trust)
 * never reaches the protocol: its connection closes, its slot is free, other clients are
 * served. In both TLS versions, since TLS 1.3 refuses after the client's handshake is over and
 * TLS 1.2 during it.
 */
class TlsClientAuthTest {

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();
    private final TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();

    private Listener start(ClientAuth mode) {
        return ranch.startListener("tls-client-auth",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).clientAuth(mode).build()),
                Loopback.options().build(), connection -> new TlsRecordingEcho(seen));
    }

    private static boolean refused(int port, SSLContext client, String version) {
        TlsTestClient connected;
        try {
            connected = TlsTestClient.to(port, client).protocols(version).connect();
        } catch (UncheckedIOException refusedDuringHandshake) {
            return true;
        }
        try (connected) {
            // TLS 1.3: the server reads the client's certificate after the client finished;
            // its refusal is an alert (or a close) where the first answer should be.
            try {
                connected.write("anyone there?");
            } catch (UncheckedIOException closedBeforeTheWrite) {
                return true;
            }
            return connected.isClosedByPeer();
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"EXPIRED_CLIENT", "UNTRUSTED_CLIENT"})
    void needRefusesAnUnacceptableCertificateAndServesTheNextClient(Identity bad) {
        Listener listener = start(ClientAuth.NEED);
        for (String version : new String[] {"TLSv1.3", "TLSv1.2"}) {
            assertTrue(refused(listener.port(), certificates.clientContext(bad), version), bad + " over " + version);
        }
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0
                && listener.info().handshakeFailures() == 2);
        try (TlsTestClient good = TlsTestClient.to(listener.port(), certificates.clientContext(Identity.CLIENT))
                .connect()) {
            assertEquals("welcome", good.echo("welcome"));
        }
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 1);
    }

    @Test
    void needRefusesAClientWithoutACertificate() {
        Listener listener = start(ClientAuth.NEED);
        for (String version : new String[] {"TLSv1.3", "TLSv1.2"}) {
            assertTrue(refused(listener.port(), certificates.clientContext(), version), version);
        }
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
        assertEquals(0, seen.handshakes().size());
    }

    @Test
    void theProtocolSeesTheClientsCertificate() throws SSLPeerUnverifiedException {
        Listener listener = start(ClientAuth.NEED);
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext(Identity.CLIENT))
                .connect()) {
            assertEquals("hi", client.echo("hi"));
        }
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 1);
        X509Certificate presented = (X509Certificate) seen.handshakes().get(0).session().getPeerCertificates()[0];
        assertEquals(certificates.certificate(Identity.CLIENT), presented);
    }

    @Test
    void wantServesClientsWithoutACertificateButRefusesAnUntrustedOne() {
        Listener listener = start(ClientAuth.WANT);
        try (TlsTestClient anonymous = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            assertEquals("anonymous", anonymous.echo("anonymous"));
        }
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 1);
        assertThrows(SSLPeerUnverifiedException.class, () -> seen.handshakes().get(0).session().getPeerCertificates());
        // WANT makes a certificate optional, not unchecked: one that fails validation is refused.
        assertTrue(refused(listener.port(), certificates.clientContext(Identity.UNTRUSTED_CLIENT), "TLSv1.3"));
    }
}
