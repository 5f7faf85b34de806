package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code startTls} right after writes the socket could not take yet: the queued plaintext
 * goes out first, byte exact and unencrypted, and only then does the TLS session take over.
 */
class StartTlsAfterQueuedPlaintextTest {

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    @Test
    void megabytesQueuedBeforeStartTlsArriveInPlaintextAndTheUpgradeFollows() {
        // Far beyond what loopback socket buffers hold, so most of it is queued at startTls.
        byte[] bulk = Bytes.random(16 * 1024 * 1024, 13);
        AtomicLong queuedAtStartTls = new AtomicLong(-1);
        Listener listener = ranch.startListener("starttls-queued", Transports.tcp(), Loopback.options().build(),
                c -> new Protocol() {
                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        if (connection.tls().isPresent()) {
                            connection.write(data);
                            return;
                        }
                        data.position(data.limit());
                        connection.write(bulk);
                        connection.write("220 go ahead\n".getBytes(StandardCharsets.US_ASCII));
                        queuedAtStartTls.set(connection.pendingWriteBytes());
                        connection.startTls(TlsOptions.builder(certificates.serverContext()).build());
                    }
                });
        try (TestClient plain = TestClient.connect(listener.port())) {
            plain.write("STARTTLS\n");
            // Not reading until the upgrade is asked for: a reader draining the socket meanwhile
            // could let the kernel take all of it, and then nothing would be queued.
            await().atMost(PATIENCE).until(() -> queuedAtStartTls.get() >= 0);
            assertArrayEquals(bulk, plain.readExactly(bulk.length));
            assertEquals("220 go ahead", plain.readLine());
            try (TlsTestClient secure = TlsTestClient.upgrade(plain.socket(), certificates.clientContext())) {
                assertEquals("over tls", secure.echo("over tls"));
            }
        }
        assertTrue(queuedAtStartTls.get() > 0, "nothing was queued when startTls was called");
    }
}
