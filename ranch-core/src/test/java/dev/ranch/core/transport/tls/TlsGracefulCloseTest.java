package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import static dev.ranch.core.test.Patience.waitFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A graceful close of a TLS connection sends every queued byte, then close_notify (RFC 8446
 * §6.1), then closes; a peer that stops reading cannot hold it open beyond closeTimeout.
 */
class TlsGracefulCloseTest {

    @TestRanch(eventLoops = 1)
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    /** Writes {@code payload} as soon as the handshake is done, closes, and reports the close. */
    private Listener writeThenClose(byte[] payload, Duration closeTimeout, CompletableFuture<Throwable> closed) {
        return ranch.startListener("bye",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()),
                Loopback.options().closeTimeout(closeTimeout).build(),
                c -> new Protocol() {
                    @Override
                    public void onHandshake(Connection connection) {
                        connection.write(payload);
                        connection.close();
                    }

                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        data.position(data.limit());
                    }

                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        closed.complete(cause);
                    }
                });
    }

    @Test
    void megabytesQueuedBeforeCloseArriveAndThenACloseNotify() throws Exception {
        byte[] payload = Bytes.random(4 * 1024 * 1024 + 1, 4);
        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        Listener listener = writeThenClose(payload, Duration.ofSeconds(30), closed);
        try (ScriptedTlsClient client = ScriptedTlsClient.connect(listener.port(), certificates.clientContext(),
                "TLSv1.3")) {
            client.handshake(new byte[0], new byte[0]);
            boolean[] closeNotify = new boolean[1];
            assertArrayEquals(payload, client.readToEnd(closeNotify));
            assertTrue(closeNotify[0], "the stream ended without close_notify");
        }
        assertTrue(waitFor(closed) == null, "a graceful close has no cause");
    }

    @Test
    void aPeerThatNeverReadsIsCutOffAfterCloseTimeout() throws Exception {
        byte[] payload = Bytes.random(16 * 1024 * 1024, 5);
        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        Listener listener = writeThenClose(payload, Duration.ofMillis(300), closed);
        try (ScriptedTlsClient client = ScriptedTlsClient.connect(listener.port(), certificates.clientContext(),
                "TLSv1.3")) {
            client.handshake(new byte[0], new byte[0]);
            assertInstanceOf(TimeoutException.class, waitFor(closed));
        }
    }
}
