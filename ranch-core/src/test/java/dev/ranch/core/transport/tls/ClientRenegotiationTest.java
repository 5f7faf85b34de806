package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TLS 1.2 client that starts a second handshake on an established connection is refused:
 * the connection closes with a handshake error, and the loop's other connections go on. The
 * JDK's engine would renegotiate, running the signature and key exchange inline on the event
 * loop, at the client's whim (CVE-2011-1473); TLS 1.3 removed renegotiation altogether.
 */
class ClientRenegotiationTest {

    @TestRanch(eventLoops = 1)
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    @Test
    void aClientStartingASecondTls12HandshakeIsClosedAndItsNeighbourKeepsEchoing() {
        Queue<Throwable> causes = new ConcurrentLinkedQueue<>();
        Listener listener = ranch.startListener("reneg",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()), Loopback.options().build(),
                c -> new EchoProtocol() {
                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        causes.add(cause == null ? new AssertionError("closed without a cause") : cause);
                    }
                });
        try (TlsTestClient neighbour = TlsTestClient.to(listener.port(), certificates.clientContext())
                .protocols("TLSv1.2").connect();
             TlsTestClient renegotiating = TlsTestClient.to(listener.port(), certificates.clientContext())
                     .protocols("TLSv1.2").connect()) {
            assertEquals("before", renegotiating.echo("before"));
            try {
                renegotiating.socket().startHandshake();
                renegotiating.write("after");
            } catch (IOException | UncheckedIOException e) {
                // The refusal may already have arrived.
            }
            assertTrue(renegotiating.isClosedByPeer(), "the server went on after a client-initiated renegotiation");
            await().atMost(PATIENCE).until(() -> !causes.isEmpty());
            assertInstanceOf(SSLHandshakeException.class, causes.peek());
            assertEquals("still here", neighbour.echo("still here"));
        }
    }
}
