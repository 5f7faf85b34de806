package dev.ranch.core.internal.loop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLoopTest {

    private static final AtomicInteger LOOPS = new AtomicInteger();

    private EventLoop loop;

    @BeforeEach
    void startLoop() {
        loop = new EventLoop("test-loop-" + LOOPS.incrementAndGet(), 1024);
        loop.start();
    }

    @AfterEach
    void stopLoop() throws InterruptedException {
        loop.stop();
        assertTrue(loop.awaitTermination(5, TimeUnit.SECONDS), "the loop thread did not exit");
    }

    /** Runs {@code task} on the loop and waits for it; fails if it does not run within {@link #PATIENCE}. */
    private void onLoop(Runnable task) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        assertTrue(loop.execute(() -> {
            try {
                task.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }));
        done.orTimeout(PATIENCE.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    private Thread loopThread() {
        AtomicReference<Thread> thread = new AtomicReference<>();
        onLoop(() -> thread.set(Thread.currentThread()));
        return thread.get();
    }

    // ---- tasks ----

    @Test
    void tasksFromOneThreadRunInSubmissionOrderOnTheLoopThread() {
        int n = 20_000;
        // Touched only on the loop thread; read after the last task, which the future orders.
        List<Integer> order = new ArrayList<>(n);
        AtomicInteger offLoop = new AtomicInteger();
        for (int i = 0; i < n; i++) {
            int seq = i;
            assertTrue(loop.execute(() -> {
                if (!loop.inLoop()) {
                    offLoop.incrementAndGet();
                }
                order.add(seq);
            }));
        }
        AtomicReference<List<Integer>> seen = new AtomicReference<>();
        onLoop(() -> seen.set(List.copyOf(order)));

        assertEquals(0, offLoop.get(), "tasks that ran off the loop thread");
        List<Integer> expected = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            expected.add(i);
        }
        assertEquals(expected, seen.get());
    }

    @Test
    void tasksRunOnTheThreadNamedAfterTheLoop() {
        Thread thread = loopThread();

        assertEquals(loop.name(), thread.getName());
        assertFalse(loop.inLoop(), "the test thread is not the loop thread");
        AtomicBoolean inLoop = new AtomicBoolean();
        onLoop(() -> inLoop.set(loop.inLoop()));
        assertTrue(inLoop.get());
    }

    @Test
    void inAnyLoopIsTrueOnlyOnLoopThreads() {
        AtomicBoolean onLoopThread = new AtomicBoolean();
        onLoop(() -> onLoopThread.set(EventLoop.inAnyLoop()));

        assertTrue(onLoopThread.get());
        assertFalse(EventLoop.inAnyLoop());
    }

    @Test
    void tasksFromManyThreadsAllRunAndEachThreadsTasksKeepTheirOrder() throws Exception {
        int producers = 8;
        int perProducer = 10_000;
        AtomicInteger ran = new AtomicInteger();
        AtomicInteger outOfOrder = new AtomicInteger();
        int[] lastSeq = new int[producers]; // loop thread only
        java.util.Arrays.fill(lastSeq, -1);
        CyclicBarrier start = new CyclicBarrier(producers);
        List<Thread> threads = new ArrayList<>();
        AtomicInteger rejected = new AtomicInteger();
        for (int p = 0; p < producers; p++) {
            int producer = p;
            Thread t = new Thread(() -> {
                try {
                    start.await(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                for (int i = 0; i < perProducer; i++) {
                    int seq = i;
                    boolean accepted = loop.execute(() -> {
                        if (lastSeq[producer] != seq - 1) {
                            outOfOrder.incrementAndGet();
                        }
                        lastSeq[producer] = seq;
                        ran.incrementAndGet();
                    });
                    if (!accepted) {
                        rejected.incrementAndGet();
                    }
                }
            }, "producer-" + p);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(PATIENCE.toMillis());
            assertFalse(t.isAlive(), t.getName() + " did not finish");
        }

        await().atMost(PATIENCE).untilAsserted(() -> assertEquals(producers * perProducer, ran.get()));
        assertEquals(0, rejected.get(), "execute() refused tasks of a running loop");
        assertEquals(0, outOfOrder.get(), "tasks that overtook an earlier task of the same producer");
    }

    @Test
    void aTaskQueuedWhileTheLoopIsIdleIsPickedUpEveryTime() {
        // The loop blocks in select() with no timers between tasks: every execute() has to
        // wake it. A lost wake-up would leave one of these tasks waiting forever.
        for (int i = 0; i < 2_000; i++) {
            onLoop(() -> { });
        }
    }

    @Test
    void aTaskThatThrowsDoesNotStopLaterTasks() {
        AtomicBoolean later = new AtomicBoolean();
        Thread thread = loopThread();

        loop.execute(() -> {
            throw new IllegalStateException("a task failed on purpose");
        });
        loop.execute(() -> {
            throw new AssertionError("an Error thrown on purpose");
        });
        loop.execute(() -> later.set(true));

        await().atMost(PATIENCE).untilTrue(later);
        assertTrue(thread.isAlive());
        assertSame(thread, loopThread(), "the same thread still runs the loop");
    }

    // ---- stopping ----

    @Test
    void stopEndsTheLoopThread() throws InterruptedException {
        Thread thread = loopThread();

        loop.stop();

        assertTrue(loop.isStopping());
        assertTrue(loop.awaitTermination(5, TimeUnit.SECONDS));
        assertFalse(thread.isAlive());
    }

    @Test
    void awaitTerminationReturnsFalseWhileTheLoopRuns() throws InterruptedException {
        loopThread();

        assertFalse(loop.awaitTermination(20, TimeUnit.MILLISECONDS));
        assertFalse(loop.isStopping());
    }

    @Test
    void executeAfterStopReturnsFalse() throws InterruptedException {
        assertTrue(loop.execute(() -> { }));
        loop.stop();

        assertFalse(loop.execute(() -> { }), "execute() right after stop()");
        assertTrue(loop.awaitTermination(5, TimeUnit.SECONDS));
        assertFalse(loop.execute(() -> { }), "execute() after the thread exited");
    }

    @Test
    void tasksQueuedBeforeStopStillRun() throws InterruptedException {
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean blocked = new AtomicBoolean();
        AtomicBoolean queuedBehind = new AtomicBoolean();
        loop.execute(() -> {
            blocked.set(true);
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().atMost(PATIENCE).untilTrue(blocked);
        assertTrue(loop.execute(() -> queuedBehind.set(true)));

        loop.stop();
        release.countDown();

        assertTrue(loop.awaitTermination(5, TimeUnit.SECONDS));
        assertTrue(queuedBehind.get(), "a task queued before stop() was dropped");
    }

    /**
     * A loopback connection: the client side, and the accepted side in non-blocking mode, ready
     * to be registered with the loop. Closing it closes all three channels.
     */
    private record Connected(ServerSocketChannel server, SocketChannel client, SocketChannel accepted)
            implements AutoCloseable {

        static Connected open() throws IOException {
            ServerSocketChannel server = ServerSocketChannel.open();
            try {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel client = SocketChannel.open(server.getLocalAddress());
                SocketChannel accepted = server.accept();
                accepted.configureBlocking(false);
                return new Connected(server, client, accepted);
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try (server; client; accepted) {
                // try-with-resources closes each one, even if another fails
            }
        }
    }

    /** Registers {@code channel} with the loop, from the loop thread, and waits until it is. */
    private void registerOnLoop(SocketChannel channel, int ops, Selectable handler) {
        onLoop(() -> {
            try {
                loop.register(channel, ops, handler);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** The peer of {@code client} has closed its side: a read returns end of stream. */
    private static void assertPeerSeesEndOfStream(SocketChannel client) throws IOException {
        client.socket().setSoTimeout(5000);
        assertEquals(-1, client.socket().getInputStream().read(), "the peer sees end of stream");
    }

    /** The loop still runs tasks. */
    private void assertLoopCarriesOn() {
        AtomicBoolean ran = new AtomicBoolean();
        onLoop(() -> ran.set(true));
        assertTrue(ran.get());
    }

    @Test
    void stopClosesTheChannelsStillRegistered() throws Exception {
        try (Connected connected = Connected.open()) {
            registerOnLoop(connected.accepted(), 0, key -> { });

            loop.stop();
            assertTrue(loop.awaitTermination(5, TimeUnit.SECONDS));

            assertFalse(connected.accepted().isOpen(), "the loop left a registered channel open");
            assertPeerSeesEndOfStream(connected.client());
        }
    }

    // ---- channels ----

    @Test
    void aReadyChannelIsDispatchedToItsHandlerOnTheLoopThread() throws Exception {
        try (Connected connected = Connected.open()) {
            CompletableFuture<String> received = new CompletableFuture<>();
            AtomicBoolean onLoopThread = new AtomicBoolean();
            registerOnLoop(connected.accepted(), SelectionKey.OP_READ, key -> {
                onLoopThread.set(loop.inLoop());
                ByteBuffer buffer = loop.readBuffer();
                buffer.clear();
                try {
                    ((SocketChannel) key.channel()).read(buffer);
                } catch (IOException e) {
                    received.completeExceptionally(e);
                    return;
                }
                buffer.flip();
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                received.complete(new String(bytes, java.nio.charset.StandardCharsets.US_ASCII));
                key.interestOps(0);
            });

            connected.client().write(ByteBuffer.wrap("ping".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));

            assertEquals("ping", received.orTimeout(5, TimeUnit.SECONDS).join());
            assertTrue(onLoopThread.get());
        }
    }

    @Test
    void tasksQueuedByAnotherThreadWhileTheLoopDispatchesDoNotWakeItButOneQueuedWhileItBlocksDoes()
            throws Exception {
        try (Connected connected = Connected.open()) {
            CountDownLatch dispatching = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            registerOnLoop(connected.accepted(), SelectionKey.OP_READ, key -> {
                key.interestOps(0);
                dispatching.countDown();
                try {
                    assertTrue(release.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS), "never released");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            // The loop blocked in select, armed, before the byte arrives; it is now inside the handler.
            connected.client().write(ByteBuffer.wrap(new byte[] {1}));
            assertTrue(dispatching.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS), "the channel was not dispatched");
            long before = loop.wakeups();
            AtomicInteger ran = new AtomicInteger();
            for (int i = 0; i < 3; i++) {
                assertTrue(loop.execute(ran::incrementAndGet));
            }
            long whileDispatching = loop.wakeups() - before;
            release.countDown();
            await().atMost(PATIENCE).untilAsserted(() -> assertEquals(3, ran.get()));

            assertEquals(0, whileDispatching, "wake-ups for tasks queued while the loop was awake");
            // The counter does count: a task queued while the loop blocks wakes it, once.
            await().atMost(PATIENCE).until(() -> loop.busySince() == EventLoop.IDLE);
            assertTrue(loop.execute(ran::incrementAndGet));
            await().atMost(PATIENCE).untilAsserted(() -> assertEquals(4, ran.get()));
            assertEquals(1, loop.wakeups() - before, "wake-ups for a task queued while the loop blocked");
        }
    }

    @Test
    void aHandlerThatThrowsHasItsChannelClosedAndTheLoopCarriesOn() throws Exception {
        try (Connected connected = Connected.open()) {
            registerOnLoop(connected.accepted(), SelectionKey.OP_READ, key -> {
                throw new IllegalStateException("a handler failed on purpose");
            });

            connected.client().write(ByteBuffer.wrap(new byte[] {1}));

            await().atMost(PATIENCE).until(() -> !connected.accepted().isOpen());
            assertPeerSeesEndOfStream(connected.client());
            assertLoopCarriesOn();
        }
    }

    @Test
    void registerIsRefusedOffTheLoopThread() throws Exception {
        try (SocketChannel channel = SocketChannel.open()) {
            channel.configureBlocking(false);
            assertThrows(IllegalStateException.class, () -> loop.register(channel, 0, key -> { }));
        }
    }

    // ---- timers ----

    /** A timer entry that records where and when it fired and runs an optional action. */
    private static final class Probe extends TimerQueue.Entry {
        final AtomicInteger fired = new AtomicInteger();
        final AtomicLong firedAt = new AtomicLong();
        final AtomicReference<Thread> thread = new AtomicReference<>();
        volatile Runnable action = () -> { };

        @Override
        protected void expire() {
            firedAt.set(System.nanoTime());
            thread.set(Thread.currentThread());
            fired.incrementAndGet();
            action.run();
        }
    }

    @Test
    void aTimerFiresOnTheLoopThreadNoSoonerThanItsDelay() {
        Probe probe = new Probe();
        long delay = TimeUnit.MILLISECONDS.toNanos(30);
        AtomicLong scheduledAt = new AtomicLong();

        onLoop(() -> {
            scheduledAt.set(loop.now());
            loop.schedule(probe, delay);
        });

        await().atMost(PATIENCE).until(() -> probe.fired.get() == 1);
        assertEquals(loop.name(), probe.thread.get().getName());
        long elapsed = probe.firedAt.get() - scheduledAt.get();
        assertTrue(elapsed >= delay, "fired after " + elapsed + "ns, asked for " + delay + "ns");
    }

    @Test
    void aCancelledTimerDoesNotFire() {
        Probe cancelled = new Probe();
        Probe witness = new Probe();

        onLoop(() -> {
            loop.schedule(cancelled, TimeUnit.MILLISECONDS.toNanos(10));
            loop.schedule(witness, TimeUnit.MILLISECONDS.toNanos(40));
            loop.cancel(cancelled);
        });

        await().atMost(PATIENCE).until(() -> witness.fired.get() == 1);
        assertEquals(0, cancelled.fired.get());
    }

    @Test
    void scheduleIsRefusedOffTheLoopThread() {
        assertThrows(IllegalStateException.class, () -> loop.schedule(new Probe(), 1));
    }

    @Test
    void aTimerThatThrowsDoesNotStopOtherTimersOrTasks() {
        Probe thrower = new Probe();
        thrower.action = () -> {
            throw new IllegalStateException("a timer failed on purpose");
        };
        Probe sameTime = new Probe();
        Probe later = new Probe();

        onLoop(() -> {
            loop.schedule(thrower, TimeUnit.MILLISECONDS.toNanos(5));
            loop.schedule(sameTime, TimeUnit.MILLISECONDS.toNanos(5));
            loop.schedule(later, TimeUnit.MILLISECONDS.toNanos(20));
        });

        await().atMost(PATIENCE).until(() -> sameTime.fired.get() == 1 && later.fired.get() == 1);
        assertEquals(1, thrower.fired.get());
        assertLoopCarriesOn();
    }

    @Test
    void aTimerReschedulingItselfWithZeroDelayDoesNotStarveTasks() {
        // Connection.schedule(Duration.ZERO, token) from onTimeout does exactly this. The timer
        // stops re-arming when the test ends, so a starved loop recovers for the teardown.
        AtomicBoolean keepGoing = new AtomicBoolean(true);
        Probe spinner = new Probe();
        spinner.action = () -> {
            if (keepGoing.get()) {
                loop.schedule(spinner, 0);
            }
        };
        try {
            onLoop(() -> loop.schedule(spinner, 0));
            await().atMost(PATIENCE).until(() -> spinner.fired.get() > 0);

            AtomicBoolean ran = new AtomicBoolean();
            loop.execute(() -> ran.set(true));

            await("a task queued while a zero-delay timer keeps re-arming itself")
                    .atMost(Duration.ofSeconds(3)).untilTrue(ran);
            assertTrue(spinner.fired.get() > 1, "the timer keeps firing turn after turn");
        } finally {
            keepGoing.set(false);
        }
    }

    @Test
    void timersAndTasksFromOtherThreadsInterleaveWithoutLoss() {
        // Tasks arrive while the loop sleeps in a timed select for the next timer.
        List<Probe> probes = new CopyOnWriteArrayList<>();
        AtomicInteger tasks = new AtomicInteger();
        for (int i = 0; i < 50; i++) {
            Probe p = new Probe();
            probes.add(p);
            long delay = TimeUnit.MILLISECONDS.toNanos(1 + i % 10);
            loop.execute(() -> loop.schedule(p, delay));
            loop.execute(tasks::incrementAndGet);
        }

        await().atMost(PATIENCE).until(() -> probes.stream().allMatch(p -> p.fired.get() == 1));
        assertEquals(50, tasks.get());
        assertNotNull(probes.get(0).thread.get());
    }
}
