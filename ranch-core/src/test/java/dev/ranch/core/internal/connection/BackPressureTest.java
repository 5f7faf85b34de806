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

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackPressureTest {

    private static final int MIB = 1024 * 1024;

    @TestRanch
    private Ranch ranch;

    @Test
    void pausedReadsStopThePeersWritesAndResumingDeliversEveryByte() throws Exception {
        PausingCounter protocol = new PausingCounter();
        // Small, fixed buffers on both sides keep what fits while paused far below the bound
        // checked. Not smaller: with a receive buffer of a few KiB, Linux loopback throughput
        // collapses to tens of KiB/s, plain sockets included.
        Listener listener = ranch.startListener("pause", Transports.tcp(),
                Loopback.options().receiveBufferSize(32 * 1024).build(), c -> protocol);

        try (SocketChannel channel = SocketChannel.open()) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, 8 * 1024);
            channel.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()));
            channel.configureBlocking(false);
            PatternWriter writer = new PatternWriter(channel);
            Connection connection = waitFor(protocol.opened);

            // Write until the kernel has refused every write for a while: the paused server's
            // buffers and ours are full. (Linux may still take one last sliver a few hundred ms
            // after the first refusal, hence the long streak.)
            await().atMost(PATIENCE).during(Duration.ofMillis(600)).pollInterval(Duration.ofMillis(10))
                    .until(() -> writer.writeUpTo(Long.MAX_VALUE, MIB) == 0);
            long plateau = writer.total();
            assertTrue(plateau > 0 && plateau < 4L * MIB, "bytes accepted while paused: " + plateau);
            await().during(Duration.ofMillis(500)).atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
                    .until(() -> writer.writeUpTo(Long.MAX_VALUE, MIB) == 0 && protocol.received.get() == 0);
            assertEquals(plateau, writer.total());
            assertTrue(protocol.pausedAfterHandshake);

            assertTrue(connection.send(PausingCounter.RESUME));
            await().atMost(PATIENCE).until(() -> protocol.received.get() == plateau);
            assertEquals(writer.checksum(), protocol.checksum.get());
            assertFalse(protocol.pausedAfterResume);

            // Flowing again: several times what fitted in the buffers goes through.
            long target = plateau + MIB;
            await().atMost(PATIENCE).pollInterval(Duration.ofMillis(1))
                    .until(() -> {
                        writer.writeUpTo(target, MIB);
                        return writer.total() == target;
                    });
            await().atMost(PATIENCE).until(() -> protocol.received.get() == target);
            assertEquals(writer.checksum(), protocol.checksum.get());
        }
    }

    @Test
    void writabilityTurnsOffAboveTheHighWatermarkAndBackOnOnceDrainedToTheLowOne() throws Exception {
        int high = 64 * 1024;
        int low = 16 * 1024;
        byte[] payload = Bytes.random(MIB, 21);
        List<Writability> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Connection> opened = new CompletableFuture<>();
        AtomicLong pendingAfterDrain = new AtomicLong(-1);
        Listener listener = ranch.startListener("watermarks", Transports.tcp(),
                Loopback.options().writeHighWatermark(high).writeLowWatermark(low).sendBufferSize(8192).build(),
                c -> new Protocol() {
                    @Override
                    public void onHandshake(Connection connection) {
                        for (int off = 0; off < payload.length; off += 32 * 1024) {
                            connection.write(ByteBuffer.wrap(payload, off, Math.min(32 * 1024, payload.length - off)));
                        }
                        opened.complete(connection);
                    }

                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        data.position(data.limit());
                    }

                    @Override
                    public void onMessage(Connection connection, Object message) {
                        pendingAfterDrain.set(connection.pendingWriteBytes());
                    }

                    @Override
                    public void onWritabilityChanged(Connection connection, boolean writable) {
                        events.add(new Writability(writable, connection.isWritable(), connection.pendingWriteBytes()));
                    }
                });

        try (TestClient client = TestClient.connect(listener.port())) {
            Connection connection = waitFor(opened);
            await().atMost(PATIENCE).until(() -> events.size() == 1);
            Writability off = events.get(0);
            assertFalse(off.reported);
            assertFalse(off.isWritable);
            assertTrue(off.pending > high, "pending when reported unwritable: " + off.pending);
            // While the client does not read, nothing drains, so nothing else is reported.
            assertStays("nothing else is reported", () -> events.size() == 1);

            assertArrayEquals(payload, client.readExactly(payload.length));
            await().atMost(PATIENCE).until(() -> events.size() == 2);
            Writability on = events.get(1);
            assertTrue(on.reported);
            assertTrue(on.isWritable);
            assertTrue(on.pending <= low, "pending when reported writable again: " + on.pending);
            assertTrue(on.pending < off.pending);

            assertTrue(connection.send("how much is left?"));
            await().atMost(PATIENCE).until(() -> pendingAfterDrain.get() >= 0);
            assertEquals(0, pendingAfterDrain.get());
        }
    }

    @Test
    void aProducerThatHonoursWritabilityNeverQueuesMoreThanOneChunkAboveTheHighWatermark() throws Exception {
        int high = 64 * 1024;
        int low = 16 * 1024;
        int chunk = 16 * 1024;
        byte[] payload = Bytes.random(2 * MIB, 23);
        Producer producer = new Producer(payload, chunk);
        Listener listener = ranch.startListener("producer", Transports.tcp(),
                Loopback.options().writeHighWatermark(high).writeLowWatermark(low).sendBufferSize(32 * 1024).build(),
                c -> producer);

        try (TestClient client = TestClient.connect(listener.port())) {
            // Not reading until the queue has filled makes at least one round of back-pressure certain.
            await().atMost(PATIENCE).until(() -> !producer.events.isEmpty());
            assertArrayEquals(payload, client.readExactly(payload.length));
            await().atMost(PATIENCE).until(() -> producer.events.size() % 2 == 0);
        }
        List<Writability> events = producer.events;
        for (int i = 0; i < events.size(); i++) {
            Writability event = events.get(i);
            assertEquals(i % 2 == 1, event.reported, "events must alternate, starting with not writable: " + events);
            if (event.reported) {
                assertTrue(event.pending <= low, "writable again with " + event.pending + " pending");
            } else {
                assertTrue(event.pending > high, "unwritable with only " + event.pending + " pending");
            }
        }
        assertTrue(producer.maxPending.get() <= high + chunk, "queued at most " + producer.maxPending.get());
    }

    /** One call of onWritabilityChanged, with what the connection said at that moment. */
    private record Writability(boolean reported, boolean isWritable, long pending) {}

    /** Pauses reads once open; counts and checksums what arrives; resumes on request. */
    private static final class PausingCounter implements Protocol {
        static final String RESUME = "resume";

        final CompletableFuture<Connection> opened = new CompletableFuture<>();
        final AtomicLong received = new AtomicLong();
        final AtomicLong checksum = new AtomicLong(new CRC32().getValue());
        private final CRC32 crc = new CRC32();
        volatile boolean pausedAfterHandshake;
        volatile boolean pausedAfterResume = true;

        @Override
        public void onHandshake(Connection connection) {
            connection.pauseReads();
            pausedAfterHandshake = connection.isReadPaused();
            opened.complete(connection);
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            int n = data.remaining();
            crc.update(data);
            checksum.set(crc.getValue());
            received.addAndGet(n);
        }

        @Override
        public void onMessage(Connection connection, Object message) {
            if (RESUME.equals(message)) {
                connection.resumeReads();
                pausedAfterResume = connection.isReadPaused();
            }
        }
    }

    /** Writes the payload in chunks while writable, and carries on when writable again. */
    private static final class Producer implements Protocol {
        final List<Writability> events = new CopyOnWriteArrayList<>();
        final AtomicLong maxPending = new AtomicLong();
        private final byte[] payload;
        private final int chunk;
        private int sent;

        Producer(byte[] payload, int chunk) {
            this.payload = payload;
            this.chunk = chunk;
        }

        @Override
        public void onHandshake(Connection connection) {
            produce(connection);
        }

        @Override
        public void onWritabilityChanged(Connection connection, boolean writable) {
            events.add(new Writability(writable, connection.isWritable(), connection.pendingWriteBytes()));
            if (writable) {
                produce(connection);
            }
        }

        private void produce(Connection connection) {
            while (sent < payload.length && connection.isWritable()) {
                int n = Math.min(chunk, payload.length - sent);
                connection.write(ByteBuffer.wrap(payload, sent, n));
                sent += n;
                maxPending.accumulateAndGet(connection.pendingWriteBytes(), Math::max);
            }
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            data.position(data.limit());
        }
    }

    /**
     * A non-blocking writer of a deterministic byte stream that keeps a running checksum of
     * what the kernel accepted.
     */
    private static final class PatternWriter {
        private final SocketChannel channel;
        private final byte[] pattern = Bytes.random(64 * 1024, 17);
        private final ByteBuffer buffer = ByteBuffer.wrap(pattern);
        private final CRC32 crc = new CRC32();
        private long total;

        PatternWriter(SocketChannel channel) {
            this.channel = channel;
        }

        /**
         * Writes until the kernel takes nothing more, {@code target} bytes have been written in
         * all, or {@code perCall} bytes in this call.
         *
         * @return the bytes written by this call
         */
        synchronized long writeUpTo(long target, int perCall) throws IOException {
            long before = total;
            while (total < target && total - before < perCall) {
                if (!buffer.hasRemaining()) {
                    buffer.clear();
                }
                int start = buffer.position();
                int room = (int) Math.min(buffer.remaining(), target - total);
                buffer.limit(start + room);
                int n = channel.write(buffer);
                buffer.limit(buffer.capacity());
                if (n == 0) {
                    break;
                }
                crc.update(pattern, start, n);
                total += n;
            }
            return total - before;
        }

        synchronized long total() {
            return total;
        }

        synchronized long checksum() {
            return crc.getValue();
        }
    }
}
