package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static dev.ranch.core.test.Patience.waitFor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code sendTimeout}: a connection whose queued output makes no progress for the timeout is
 * closed; one whose peer reads slowly but steadily is not; {@link Duration#ZERO} turns it off.
 */
class SendTimeoutTest {

    private static final int SMALL_BUFFER = 16 * 1024;

    @TestRanch
    private Ranch ranch;

    @Test
    @SuppressWarnings("try") // the client only has to exist, never to read
    void aPeerThatNeverReadsIsCutOnceItsQueuedOutputStallsForTheSendTimeout() throws Exception {
        Duration timeout = Duration.ofMillis(400);
        Writer protocol = new Writer(Bytes.random(4 * 1024 * 1024, 5));
        Listener listener = start("stalled", timeout, protocol);
        try (Socket client = neverReading(listener.port())) {
            waitFor(protocol.wrote);
            long wroteAt = System.nanoTime();
            Throwable cause = waitFor(protocol.closed);
            long elapsed = System.nanoTime() - wroteAt;
            assertInstanceOf(TimeoutException.class, cause);
            assertTrue(elapsed >= timeout.toNanos(), "cut after " + elapsed / 1_000_000 + " ms");
            assertTrue(protocol.pendingAtStart > 0, "the output never queued; nothing tested");
            System.out.printf("send timeout %d ms: a peer that never reads was cut %d ms after the write,"
                    + " with %d bytes queued%n", timeout.toMillis(), elapsed / 1_000_000, protocol.pendingAtStart);
        }
    }

    @Test
    void aPeerThatReadsSlowlyButSteadilyIsNotCut() throws Exception {
        Duration timeout = Duration.ofMillis(400);
        byte[] payload = Bytes.random(768 * 1024, 6);
        Writer protocol = new Writer(payload);
        Listener listener = start("slow", timeout, protocol);
        try (Socket client = neverReading(listener.port())) {
            waitFor(protocol.wrote);
            // A few KiB every 50 ms: far slower than the server writes, but never a whole
            // timeout without taking something.
            byte[] received = new byte[payload.length];
            InputStream in = client.getInputStream();
            int total = 0;
            long started = System.nanoTime();
            while (total < payload.length) {
                int n = in.read(received, total, Math.min(8 * 1024, payload.length - total));
                assertTrue(n > 0, "the server closed after " + total + " bytes");
                total += n;
                LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            }
            long took = System.nanoTime() - started;
            assertArrayEquals(payload, received);
            assertTrue(took > 2 * timeout.toNanos(), "read too fast to prove anything: " + took / 1_000_000 + " ms");
            assertFalse(protocol.closed.isDone(), "closed: " + protocol.closed);
        }
    }

    @Test
    @SuppressWarnings("try") // the client only has to exist, never to read
    void aZeroSendTimeoutNeverCutsAStalledPeer() throws Exception {
        Writer protocol = new Writer(Bytes.random(4 * 1024 * 1024, 7));
        Listener listener = start("off", Duration.ZERO, protocol);
        try (Socket client = neverReading(listener.port())) {
            waitFor(protocol.wrote);
            assertStays("a stalled connection open without a send timeout", Duration.ofSeconds(1),
                    () -> !protocol.closed.isDone());
        }
    }

    private Listener start(String name, Duration sendTimeout, Writer protocol) {
        return ranch.startListener(name, Transports.tcp(),
                Loopback.options().sendTimeout(sendTimeout).sendBufferSize(SMALL_BUFFER).build(), c -> protocol);
    }

    private static Socket neverReading(int port) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(SMALL_BUFFER);
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        socket.setSoTimeout((int) PATIENCE.toMillis());
        return socket;
    }

    /** Writes its payload once the connection opens, and records how it closes. */
    private static final class Writer implements Protocol {
        final CompletableFuture<Void> wrote = new CompletableFuture<>();
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();
        private final byte[] payload;
        volatile long pendingAtStart;

        Writer(byte[] payload) {
            this.payload = payload;
        }

        @Override
        public void onHandshake(Connection connection) {
            for (int off = 0; off < payload.length; off += 64 * 1024) {
                connection.write(ByteBuffer.wrap(Arrays.copyOfRange(payload, off, Math.min(payload.length, off + 64 * 1024))));
            }
            pendingAtStart = connection.pendingWriteBytes();
            wrote.complete(null);
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            data.position(data.limit());
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            closed.complete(cause);
        }
    }
}
