package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@code write(ByteBuffer...)} sends several buffers in order: straight to the socket when
 * nothing is queued, behind the queue otherwise, across the write window and the queue's
 * chunking alike.
 */
class GatheringWriteTest {

    @TestRanch(eventLoops = 1, jmx = false)
    private Ranch ranch;

    @Test
    void buffersOfEverySizeArriveWholeAndInOrder() {
        // Small heads, bodies below and beyond the 64 KiB chunk and the 256 KiB window, and
        // empty buffers: each pair is written with one call while earlier pairs may be queued.
        int[] sizes = {5, 0, 1000, 70_000, 17, 300_000, 0, 3, 65_536, 1};
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        byte[][] parts = new byte[sizes.length][];
        for (int i = 0; i < sizes.length; i++) {
            parts[i] = Bytes.random(sizes[i], i);
            expected.writeBytes(parts[i]);
        }
        Listener listener = ranch.startListener("gather", Transports.tcp(), Loopback.options().build(),
                c -> new Protocol() {
                    @Override
                    public void onHandshake(Connection connection) {
                        for (int i = 0; i < parts.length; i += 2) {
                            connection.write(ByteBuffer.wrap(parts[i]), ByteBuffer.wrap(parts[i + 1]));
                        }
                        connection.close();
                    }

                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        data.position(data.limit());
                    }
                });
        try (TestClient client = TestClient.connect(listener.port())) {
            assertArrayEquals(expected.toByteArray(), client.readToEnd());
        }
    }
}
