package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

import static dev.ranch.core.test.Patience.waitFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Plaintext a TLS session decrypted, or whole records it read, wait inside the session where
 * the selector cannot see them. They still reach the protocol: when they came with the
 * client's Finished, when the loop's read buffer (1 KiB here) is far smaller than a record,
 * when the protocol pauses reads after every chunk and resumes later, and across a KeyUpdate.
 */
class TlsBufferedInputTest {

    private final TestCertificates certificates = TestCertificates.get();
    private Ranch ranch;

    @AfterEach
    void closeRanch() {
        if (ranch != null) {
            ranch.close();
        }
    }

    private Listener echo(int readBufferSize, EchoProtocol protocol) {
        ranch = Ranch.builder().eventLoops(1).readBufferSize(readBufferSize).build();
        return ranch.startListener("buffered",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()), Loopback.options().build(),
                c -> protocol instanceof StopAndGoEcho ? new StopAndGoEcho() : new EchoProtocol());
    }

    /** Pauses reads after every chunk and resumes them from the loop's task queue, one turn later. */
    private static final class StopAndGoEcho extends EchoProtocol {
        @Override
        public void onData(Connection connection, ByteBuffer data) {
            connection.write(data);
            connection.pauseReads();
            connection.send("resume");
        }

        @Override
        public void onMessage(Connection connection, Object message) {
            connection.resumeReads();
        }
    }

    @ParameterizedTest(name = "read buffer {0} bytes")
    @ValueSource(ints = {1024, 64 * 1024})
    void dataWrittenWithTheClientsFinishedIsEchoedWithoutAnotherByteFromTheClient(int readBufferSize) {
        Listener listener = echo(readBufferSize, new EchoProtocol());
        // Seven records and a bit, all in the TCP write that carries the Finished.
        byte[] data = Bytes.random(7 * 16384 + 100, 3);
        try (ScriptedTlsClient client = ScriptedTlsClient.connect(listener.port(), certificates.clientContext(),
                "TLSv1.3")) {
            client.handshake(new byte[0], data);
            assertArrayEquals(data, client.read(data.length));
        }
    }

    @ParameterizedTest(name = "stop and go: {0}")
    @ValueSource(booleans = {false, true})
    void megabytesThroughAOneKilobyteReadBufferComeBackByteExact(boolean stopAndGo) throws Exception {
        Listener listener = echo(1024, stopAndGo ? new StopAndGoEcho() : new EchoProtocol());
        byte[] payload = Bytes.random(2 * 1024 * 1024 + 5, 11);
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int offset = 0; offset < payload.length; offset += 50_000) {
                    client.write(Arrays.copyOfRange(payload, offset, Math.min(payload.length, offset + 50_000)));
                }
            });
            assertArrayEquals(payload, client.readExactly(payload.length));
            waitFor(writer);
        }
    }

    @Test
    void aKeyUpdateMidStreamIsAnsweredAndTheEchoGoesOn() {
        Listener listener = echo(64 * 1024, new EchoProtocol());
        try (ScriptedTlsClient client = ScriptedTlsClient.connect(listener.port(), certificates.clientContext(),
                "TLSv1.3")) {
            client.handshake(new byte[0], new byte[0]);
            byte[] first = Bytes.random(40_000, 1);
            assertArrayEquals(first, client.write(first).read(first.length));
            client.updateKeys();
            byte[] second = Bytes.random(40_000, 2);
            assertArrayEquals(second, client.write(second).read(second.length));
        }
    }
}
