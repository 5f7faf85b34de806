package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

import static dev.ranch.core.test.Patience.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A TLS 1.3 client that sends its last bytes and its close_notify in one write, and keeps its
 * socket open for the answer (RFC 8446 §6.1 lets each side close its writing half alone): the
 * protocol gets the bytes, its answer goes out, and the end of the client's stream closes the
 * connection gracefully, as a TCP FIN behind data does. The selector has nothing more to
 * announce once both records are read, so the session must report the end it holds.
 */
class TlsHalfCloseTest {

    @TestRanch(eventLoops = 1)
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    @Test
    void dataAndCloseNotifyInOneWriteAreAnsweredAndTheConnectionThenClosesGracefully() throws Exception {
        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        Listener listener = ranch.startListener("half-close",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()), Loopback.options().build(),
                c -> new EchoProtocol() {
                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        closed.complete(cause);
                    }
                });
        try (ScriptedTlsClient client = ScriptedTlsClient.connect(listener.port(), certificates.clientContext(),
                "TLSv1.3")) {
            client.handshake(new byte[0], new byte[0]);
            client.writeAndCloseNotify("last words".getBytes(StandardCharsets.US_ASCII));
            boolean[] closeNotify = new boolean[1];
            assertEquals("last words", new String(client.readToEnd(closeNotify), StandardCharsets.US_ASCII));
            assertTrue(closeNotify[0], "the server did not answer the close with its own close_notify");
        }
        assertNull(waitFor(closed), "a graceful close has no cause");
    }
}
