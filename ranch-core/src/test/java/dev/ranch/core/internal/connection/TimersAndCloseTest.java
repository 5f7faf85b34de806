package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.Ranch;
import dev.ranch.core.Timer;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimersAndCloseTest {

    /**
     * A loop reads its clock once per turn, so a deadline may be computed from an instant a
     * little before the callback that set it; elapsed times are compared with this much slack.
     */
    private static final Duration LOOP_CLOCK_SLACK = Duration.ofMillis(5);
    private static final int MIB = 1024 * 1024;
    /** SO_SNDBUF for tests that need bytes left in the connection's own queue. */
    private static final int SMALL_SNDBUF = 64 * 1024;

    @TestRanch
    private Ranch ranch;

    // ---- timers ----

    @Test
    void aScheduledTimerDeliversItsTokenOnTheOwnerThreadAfterItsDelay() throws Exception {
        Duration delay = Duration.ofMillis(150);
        Object token = new Object();
        Events events = new Events();
        Listener listener = ranch.startListener("timer", Transports.tcp(), Loopback.options().build(),
                Recorder.factory(events, connection -> connection.schedule(delay, token)));

        try (TestClient client = TestClient.connect(listener.port())) {
            await().atMost(PATIENCE).until(() -> events.timeouts.size() == 1);
            Fired fired = events.timeouts.get(0);
            assertSame(token, fired.token);
            assertEquals(events.handshakeThread, fired.thread);
            assertTrue(fired.thread.startsWith("ranch-loop-"), fired.thread);
            long elapsed = fired.nanos - events.handshakeNanos;
            assertTrue(elapsed >= delay.minus(LOOP_CLOCK_SLACK).toNanos(), "fired after only " + elapsed + " ns");
            assertStillReading(client, events);
        }
    }

    @Test
    void aCancelledTimerNeverFiresWhileALaterOneDoes() throws Exception {
        AtomicReference<Boolean> pendingAfterCancel = new AtomicReference<>();
        Events events = new Events();
        Listener listener = ranch.startListener("timer-cancel", Transports.tcp(), Loopback.options().build(),
                Recorder.factory(events, connection -> {
                    Timer early = connection.schedule(Duration.ofMillis(100), "cancelled");
                    connection.schedule(Duration.ofMillis(300), "later");
                    early.cancel();
                    pendingAfterCancel.set(early.isPending());
                }));

        try (TestClient client = TestClient.connect(listener.port())) {
            await().atMost(PATIENCE).until(() -> events.timeouts.size() >= 1);
            // The later timer's deadline is past the cancelled one's, so had it fired it would be recorded first.
            assertEquals(List.of("later"), events.timeouts.stream().map(f -> f.token).toList());
            assertEquals(Boolean.FALSE, pendingAfterCancel.get());
            assertStillReading(client, events);
        }
    }

    // ---- idle timeout ----

    @Test
    void aSilentClientGetsOnIdleAndIsClosedAfterTheIdleTimeout() throws Exception {
        Duration idle = Duration.ofMillis(200);
        Events events = new Events();
        Listener listener = ranch.startListener("idle-silent", Transports.tcp(),
                Loopback.options().idleTimeout(idle).build(), c -> new Recorder(events));

        try (TestClient client = TestClient.connect(listener.port())) {
            assertTrue(client.isClosedByPeer(), "an idle connection must be closed by the server");
        }
        assertNull(waitFor(events.closeCause));
        assertEquals(1, events.idles.get());
        long elapsed = events.idleNanos - events.handshakeNanos;
        assertTrue(elapsed >= idle.minus(LOOP_CLOCK_SLACK).toNanos(), "idle after only " + elapsed + " ns");
    }

    @Test
    void aClientSendingMoreOftenThanTheIdleTimeoutStaysOpenUntilItFallsSilent() throws Exception {
        // Twenty ticks per timeout: a loaded 2-core machine may delay a tick, not twenty.
        Duration idle = Duration.ofMillis(1000);
        Events events = new Events();
        Listener listener = ranch.startListener("idle-busy", Transports.tcp(),
                Loopback.options().idleTimeout(idle).build(), c -> new Recorder(events));

        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try (TestClient client = TestClient.connect(listener.port())) {
            // Bounded: the ticker stops by itself after this many bytes even if the test fails.
            int maxTicks = 100;
            AtomicInteger ticks = new AtomicInteger();
            ScheduledFuture<?> sending = ticker.scheduleAtFixedRate(() -> {
                if (ticks.incrementAndGet() <= maxTicks) {
                    client.write(new byte[] {'.'});
                }
            }, 0, 50, TimeUnit.MILLISECONDS);

            assertNeitherIdlesNorCloses(events, idle.multipliedBy(2));
            assertTrue(events.bytes.get() > 0);

            sending.cancel(false);
            assertTrue(client.isClosedByPeer(), "once silent, the connection must idle out");
            assertEquals(1, events.idles.get());
        } finally {
            ticker.shutdownNow();
        }
    }

    @Test
    void setIdleTimeoutZeroTurnsTheListenersIdleTimeoutOff() throws Exception {
        Duration idle = Duration.ofMillis(200);
        Events events = new Events();
        Listener listener = ranch.startListener("idle-off", Transports.tcp(),
                Loopback.options().idleTimeout(idle).build(),
                Recorder.factory(events, connection -> connection.setIdleTimeout(Duration.ZERO)));

        try (TestClient client = TestClient.connect(listener.port())) {
            await().atMost(PATIENCE).until(() -> events.handshakeThread != null);
            assertNeitherIdlesNorCloses(events, idle.multipliedBy(3));
            assertStillReading(client, events);
        }
    }

    @Test
    void whilePausedAConnectionNeverIdlesAndOnResumeTheSilentPeerGetsAFullIdleTimeout() throws Exception {
        Duration idle = Duration.ofMillis(200);
        AtomicLong resumedNanos = new AtomicLong();
        Events events = new Events();
        Listener listener = ranch.startListener("idle-paused", Transports.tcp(),
                Loopback.options().idleTimeout(idle).build(),
                Recorder.factory(events,
                        Connection::pauseReads,
                        (connection, message) -> {
                            resumedNanos.set(System.nanoTime());
                            connection.resumeReads();
                        }));

        try (TestClient client = TestClient.connect(listener.port())) {
            Connection connection = waitFor(events.opened);
            // Paused reads are the server's choice, so the peer's silence meanwhile is not idleness.
            assertNeitherIdlesNorCloses(events, idle.multipliedBy(3));

            assertTrue(connection.send("resume"));
            assertTrue(client.isClosedByPeer(), "once reading again, a silent peer must idle out");
            assertEquals(1, events.idles.get());
            long sinceResume = events.idleNanos - resumedNanos.get();
            assertTrue(sinceResume >= idle.minus(LOOP_CLOCK_SLACK).toNanos(),
                    "onIdle came " + TimeUnit.NANOSECONDS.toMillis(sinceResume) + " ms after resumeReads(), "
                            + "sooner than the idle timeout of " + idle.toMillis() + " ms");
        }
    }

    // ---- close and abort ----

    @Test
    void closeWritesEveryQueuedByteBeforeClosing() throws Exception {
        byte[] payload = Bytes.random(4 * MIB, 31);
        AtomicLong pendingAtClose = new AtomicLong(-1);
        Events events = new Events();
        // A fixed send buffer, and a client that reads only once close() was called, leave most
        // of the payload in the connection's queue for close() to drain.
        Listener listener = ranch.startListener("close-drains", Transports.tcp(),
                Loopback.options().sendBufferSize(SMALL_SNDBUF).build(),
                Recorder.factory(events, connection -> {
                    connection.write(payload);
                    pendingAtClose.set(connection.pendingWriteBytes());
                    connection.close();
                }));

        try (TestClient client = TestClient.connect(listener.port())) {
            await().atMost(PATIENCE).until(() -> pendingAtClose.get() >= 0);
            byte[] received = client.readToEnd();
            assertEquals(payload.length, received.length);
            assertArrayEquals(payload, received);
        }
        assertTrue(pendingAtClose.get() > 0, "the kernel took everything at once; nothing was left to drain");
        assertNull(waitFor(events.closeCause));
    }

    @Test
    void closeGivesUpAfterTheCloseTimeoutWhenThePeerDoesNotRead() throws Exception {
        Duration closeTimeout = Duration.ofMillis(300);
        byte[] payload = Bytes.random(4 * MIB, 37);
        Events events = new Events();
        Listener listener = ranch.startListener("close-timeout", Transports.tcp(),
                Loopback.options().closeTimeout(closeTimeout).sendBufferSize(SMALL_SNDBUF).build(),
                Recorder.factory(events, connection -> {
                    connection.write(payload);
                    connection.close();
                }));

        try (TestClient client = TestClient.connect(listener.port())) {
            Throwable cause = waitFor(events.closeCause);
            assertInstanceOf(TimeoutException.class, cause);
            long elapsed = events.closeNanos - events.handshakeNanos;
            assertTrue(elapsed >= closeTimeout.minus(LOOP_CLOCK_SLACK).toNanos(), "gave up after " + elapsed + " ns");

            byte[] received = client.readToEnd();
            assertTrue(received.length < payload.length);
            assertArrayEquals(Arrays.copyOf(payload, received.length), received);
        }
    }

    @Test
    void abortDiscardsQueuedBytesAndClosesAtOnce() throws Exception {
        byte[] payload = Bytes.random(4 * MIB, 41);
        AtomicLong pendingAtAbort = new AtomicLong(-1);
        Events events = new Events();
        Listener listener = ranch.startListener("abort", Transports.tcp(),
                Loopback.options().sendBufferSize(SMALL_SNDBUF).build(),
                Recorder.factory(events,
                        connection -> connection.write(payload),
                        (connection, message) -> {
                            pendingAtAbort.set(connection.pendingWriteBytes());
                            connection.abort();
                        }));

        try (TestClient client = TestClient.connect(listener.port())) {
            Connection connection = waitFor(events.opened);
            assertTrue(connection.send("abort"));
            // Closed while the client has read nothing: abort does not wait for the queue to drain.
            assertNull(waitFor(events.closeCause));
            assertFalse(connection.isOpen());
            assertTrue(pendingAtAbort.get() > 0, "nothing was queued, so nothing could be discarded");

            byte[] received = client.readToEnd();
            // What had reached the kernel still arrives; exactly the queued rest is gone.
            assertEquals(payload.length - pendingAtAbort.get(), received.length);
            assertArrayEquals(Arrays.copyOf(payload, received.length), received);
        }
    }

    @Test
    void abortFromAnotherThreadClosesTheConnectionOnItsOwnerThread() throws Exception {
        Events events = new Events();
        CompletableFuture<String> closedOn = new CompletableFuture<>();
        Listener listener = ranch.startListener("abort-foreign", Transports.tcp(), Loopback.options().build(),
                c -> new Recorder(events) {
                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        closedOn.complete(Thread.currentThread().getName());
                        super.onClose(connection, cause);
                    }
                });
        try (TestClient client = TestClient.connect(listener.port())) {
            await().atMost(PATIENCE).until(() -> events.handshakeThread != null);
            assertStillReading(client, events);
            // The test thread has no owner rights; abort() is documented as safe from anywhere.
            Connection connection = events.connection;
            connection.abort();
            assertTrue(client.isClosedByPeer());
            assertEquals(events.handshakeThread, waitFor(closedOn));
            assertNull(waitFor(events.closeCause));
            assertFalse(connection.isOpen());
        }
    }

    @Test
    void writesAfterCloseAreDropped() throws Exception {
        byte[] before = Bytes.random(1000, 47);
        Events events = new Events();
        Listener listener = ranch.startListener("write-after-close", Transports.tcp(), Loopback.options().build(),
                Recorder.factory(events, connection -> {
                    connection.write(before);
                    connection.close();
                    connection.write(new byte[] {'l', 'a', 't', 'e'});
                }));

        try (TestClient client = TestClient.connect(listener.port())) {
            assertArrayEquals(before, client.readToEnd());
        }
        assertNull(waitFor(events.closeCause));
    }

    @Test
    void afterThePeerHalfClosesItsEchoIsStillDeliveredAndThenTheConnectionCloses() throws Exception {
        byte[] payload = Bytes.random(MIB, 43);
        Events events = new Events();
        Listener listener = ranch.startListener("half-close", Transports.tcp(), Loopback.options().build(),
                c -> new Recorder(events) {
                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        super.onData(connection, data);
                        connection.write(data);
                    }
                });

        ExecutorService writer = Executors.newSingleThreadExecutor();
        try (TestClient client = TestClient.connect(listener.port())) {
            // Written from another thread so the echo is read while it is being sent.
            Future<?> sent = writer.submit(() -> {
                client.write(payload);
                client.socket().shutdownOutput();
                return null;
            });
            byte[] echoed = client.readToEnd();
            waitFor(sent);
            assertArrayEquals(payload, echoed);
        } finally {
            writer.shutdownNow();
        }
        assertNull(waitFor(events.closeCause));
    }

    // ---- helpers ----

    /** For all of {@code hold}, the connection gets no onIdle and is not closed. */
    private static void assertNeitherIdlesNorCloses(Events events, Duration hold) {
        assertStays("no onIdle and no close", hold, () -> events.idles.get() == 0 && !events.closeCause.isDone());
    }

    /** The connection is still open and reading. */
    private static void assertStillReading(TestClient client, Events events) {
        long before = events.bytes.get();
        client.write(new byte[] {1, 2, 3});
        await().atMost(PATIENCE).until(() -> events.bytes.get() == before + 3);
        assertFalse(events.closeCause.isDone());
    }

    private record Fired(Object token, String thread, long nanos) {}

    /** What a {@link Recorder} saw, readable from the test thread. */
    private static final class Events {
        final List<Fired> timeouts = new CopyOnWriteArrayList<>();
        final AtomicInteger idles = new AtomicInteger();
        final AtomicLong bytes = new AtomicLong();
        final CompletableFuture<Throwable> closeCause = new CompletableFuture<>();
        /** Completed with the connection once onHandshake, and the recorder's afterHandshake action, have run. */
        final CompletableFuture<Connection> opened = new CompletableFuture<>();
        volatile Connection connection;
        volatile String handshakeThread;
        volatile long handshakeNanos;
        volatile long idleNanos;
        volatile long closeNanos;
    }

    /**
     * Records callbacks; reads and discards data; otherwise the default behaviour, plus an
     * action run in onHandshake and a mailbox handler when built by {@link #factory}.
     */
    private static class Recorder implements Protocol {
        final Events events;
        /** Run in onHandshake after it is recorded; {@code null} for none. */
        private final Consumer<Connection> afterHandshake;
        /** Handles mailbox messages; {@code null} to ignore them. */
        private final BiConsumer<Connection, Object> onMessage;

        Recorder(Events events) {
            this(events, null, null);
        }

        private Recorder(Events events, Consumer<Connection> afterHandshake, BiConsumer<Connection, Object> onMessage) {
            this.events = events;
            this.afterHandshake = afterHandshake;
            this.onMessage = onMessage;
        }

        /** Recorders that run {@code afterHandshake} in onHandshake, before completing {@code opened}. */
        static ProtocolFactory factory(Events events, Consumer<Connection> afterHandshake) {
            return factory(events, afterHandshake, null);
        }

        /**
         * Recorders that also handle every mailbox message with {@code onMessage}. The hooks are
         * built here, on the test thread: the loop thread only constructs a Recorder, so no
         * lambda is linked between the loop's clock read and onHandshake, the instant the
         * timing checks measure from.
         */
        static ProtocolFactory factory(Events events, Consumer<Connection> afterHandshake,
                                       BiConsumer<Connection, Object> onMessage) {
            return c -> new Recorder(events, afterHandshake, onMessage);
        }

        @Override
        public void onHandshake(Connection connection) {
            events.handshakeNanos = System.nanoTime();
            events.connection = connection;
            events.handshakeThread = Thread.currentThread().getName();
            if (afterHandshake != null) {
                afterHandshake.accept(connection);
            }
            events.opened.complete(connection);
        }

        @Override
        public void onMessage(Connection connection, Object message) {
            if (onMessage != null) {
                onMessage.accept(connection, message);
            }
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            events.bytes.addAndGet(data.remaining());
        }

        @Override
        public void onTimeout(Connection connection, Object token) {
            events.timeouts.add(new Fired(token, Thread.currentThread().getName(), System.nanoTime()));
        }

        @Override
        public void onIdle(Connection connection) {
            events.idleNanos = System.nanoTime();
            events.idles.incrementAndGet();
            Protocol.super.onIdle(connection);
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            events.closeNanos = System.nanoTime();
            events.closeCause.complete(cause);
        }
    }
}
