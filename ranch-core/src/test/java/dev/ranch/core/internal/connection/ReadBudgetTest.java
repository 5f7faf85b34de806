package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A connection with a backlog of bytes reads at most {@code readBudget} of them per turn of
 * its loop, and then the loop's other work (here, tasks the protocol queued) runs before it
 * reads again. The rest is read on later turns with no reminder of ours: the selector is
 * level-triggered and reports a socket with bytes left again.
 */
class ReadBudgetTest {

    private static final int BUFFER = 64 * 1024;
    private static final Object RESUME = "resume";
    private static final Object MARK = "mark";

    @TestRanch(eventLoops = 1)
    private Ranch ranch;

    @Test
    void aConnectionWithABacklogReadsAtMostItsBudgetBeforeTheLoopTurns() throws Exception {
        int budget = 2 * BUFFER;
        Recorder protocol = new Recorder();
        Listener listener = ranch.startListener("budget", Transports.tcp(),
                Loopback.options().readBudget(budget).receiveBufferSize(2 * 1024 * 1024).build(), c -> protocol);

        try (SocketChannel client = SocketChannel.open(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()))) {
            client.configureBlocking(false);
            Connection connection = waitFor(protocol.opened);
            // Reads are paused: fill the server's receive buffer, so that every read of the
            // backlog comes back full and nothing but the budget ends a turn's reading.
            ByteBuffer block = ByteBuffer.allocate(BUFFER);
            AtomicLong written = new AtomicLong();
            await().atMost(PATIENCE).during(Duration.ofMillis(300)).pollInterval(Duration.ofMillis(10))
                    .until(() -> {
                        long n;
                        long before = written.get();
                        while ((n = client.write(block.clear())) > 0) {
                            written.addAndGet(n);
                        }
                        return written.get() == before;
                    });
            assertTrue(written.get() > 8L * budget, "backlog " + written.get() + " bytes, too small to tell");

            connection.send(RESUME);
            await().atMost(PATIENCE).until(() -> protocol.received() == written.get());

            int longestRun = protocol.longestRunOfReads();
            assertTrue(longestRun <= budget / BUFFER,
                    "reads in a row without the loop turning: " + longestRun + " of " + BUFFER + " bytes");
        }
    }

    /**
     * Pauses its reads until told to resume; records each read, and queues a {@link #MARK}
     * task after each one, which runs once the loop turns.
     */
    private static final class Recorder implements Protocol {
        final CompletableFuture<Connection> opened = new CompletableFuture<>();
        private final List<Object> events = new ArrayList<>();
        private volatile long received;

        @Override
        public void onHandshake(Connection connection) {
            connection.pauseReads();
            opened.complete(connection);
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            synchronized (this) {
                events.add(data.remaining());
                received += data.remaining();
            }
            data.position(data.limit());
            connection.send(MARK);
        }

        @Override
        public void onMessage(Connection connection, Object message) {
            if (message == RESUME) {
                connection.resumeReads();
            } else {
                synchronized (this) {
                    events.add(message);
                }
            }
        }

        long received() {
            return received;
        }

        synchronized int longestRunOfReads() {
            int longest = 0;
            int run = 0;
            for (Object event : events) {
                run = event == MARK ? 0 : run + 1;
                longest = Math.max(longest, run);
            }
            return longest;
        }
    }
}
