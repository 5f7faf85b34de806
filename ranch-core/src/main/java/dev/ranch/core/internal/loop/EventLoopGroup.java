package dev.ranch.core.internal.loop;

import dev.ranch.core.listener.LoopLag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The event loops of one {@code Ranch} instance, shared by all its listeners, and the
 * sequence of connection ids handed out on them. Thread-safe.
 */
public final class EventLoopGroup {

    private final EventLoop[] loops;
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong connectionIds = new AtomicLong();
    private final LoopWatchdog watchdog;

    /**
     * Creates and starts {@code count} loops named {@code ranch-loop-<index>}, without a
     * watchdog.
     *
     * @param readBufferSize bytes of each loop's shared read buffer
     */
    public EventLoopGroup(int count, int readBufferSize) {
        this(count, readBufferSize, 0, 0);
    }

    /**
     * Creates and starts {@code count} loops named {@code ranch-loop-<index>} and, unless both
     * figures are 0, their {@link LoopWatchdog} thread.
     *
     * @param readBufferSize bytes of each loop's shared read buffer
     * @param blockedThresholdNanos a callback running this long is logged as blocking its loop; 0 for never
     * @param lagIntervalNanos how often each loop's lag is probed; 0 for never
     */
    public EventLoopGroup(int count, int readBufferSize, long blockedThresholdNanos, long lagIntervalNanos) {
        loops = new EventLoop[count];
        for (int i = 0; i < count; i++) {
            loops[i] = new EventLoop("ranch-loop-" + i, readBufferSize);
        }
        for (EventLoop loop : loops) {
            loop.start();
        }
        watchdog = new LoopWatchdog(List.of(loops), blockedThresholdNanos, lagIntervalNanos);
        if (watchdog.enabled()) {
            watchdog.start();
        }
    }

    /** The next loop in round-robin order, for a new connection. Any thread. */
    public EventLoop next() {
        return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
    }

    /** The number of loops. */
    public int size() {
        return loops.length;
    }

    /** The lags of every loop, in index order. Any thread. */
    public List<LoopLag> lags() {
        List<LoopLag> lags = new ArrayList<>(loops.length);
        for (EventLoop loop : loops) {
            long nanos = loop.lagNanos();
            lags.add(new LoopLag(loop.name(), nanos < 0 ? null : Duration.ofNanos(nanos)));
        }
        return lags;
    }

    /** Every loop, in index order. */
    public List<EventLoop> loops() {
        return List.of(loops);
    }

    /** A new connection id, unique within this group. Any thread. */
    public long nextConnectionId() {
        return connectionIds.incrementAndGet();
    }

    /**
     * Stops the watchdog and every loop and waits for their threads to exit.
     *
     * @return {@code true} if all exited within the timeout
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean stop(long timeout, TimeUnit unit) throws InterruptedException {
        watchdog.stop();
        for (EventLoop loop : loops) {
            loop.stop();
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        boolean all = true;
        for (EventLoop loop : loops) {
            all &= loop.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return watchdog.awaitTermination(Math.max(0, deadline - System.nanoTime())) && all;
    }
}
