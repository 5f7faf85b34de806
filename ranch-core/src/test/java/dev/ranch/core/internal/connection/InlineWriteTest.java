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

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A write the socket has room for goes to the kernel inside the {@code write} call: nothing
 * is left in the outbound queue for a later {@code OP_WRITE}, which would cost the loop an
 * interest change and another turn per message.
 */
class InlineWriteTest {

    @TestRanch(eventLoops = 1)
    private Ranch ranch;

    @Test
    void anEchoedMessageTheSocketHasRoomForIsNeverQueued() {
        AtomicLong mostPendingAfterWrite = new AtomicLong();
        AtomicInteger writes = new AtomicInteger();
        Listener listener = ranch.startListener("inline", Transports.tcp(), Loopback.options().build(),
                c -> new Protocol() {
                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        connection.write(data);
                        mostPendingAfterWrite.accumulateAndGet(connection.pendingWriteBytes(), Math::max);
                        writes.incrementAndGet();
                    }
                });
        byte[] message = Bytes.random(64, 11);
        int n = 2_000;
        try (TestClient client = TestClient.connect(listener.port())) {
            for (int i = 0; i < n; i++) {
                byte[] back = client.write(message).readExactly(message.length);
                if (!Arrays.equals(message, back)) {
                    assertArrayEquals(message, back);
                }
            }
        }

        // The client may read the last answer before the loop thread counts its write.
        await().atMost(PATIENCE).until(() -> writes.get() >= n);
        assertEquals(0, mostPendingAfterWrite.get(), "bytes left queued right after a write");
    }
}
