package dev.ranch.core.loop;

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

    /**
     * Creates and starts {@code count} loops named {@code ranch-loop-<index>}.
     *
     * @param readBufferSize bytes of each loop's shared read buffer
     */
    public EventLoopGroup(int count, int readBufferSize) {
        loops = new EventLoop[count];
        for (int i = 0; i < count; i++) {
            loops[i] = new EventLoop("ranch-loop-" + i, readBufferSize);
        }
        for (EventLoop loop : loops) {
            loop.start();
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

    /** Every loop, in index order. */
    public List<EventLoop> loops() {
        return List.of(loops);
    }

    /** A new connection id, unique within this group. Any thread. */
    public long nextConnectionId() {
        return connectionIds.incrementAndGet();
    }

    /**
     * Stops every loop and waits for their threads to exit.
     *
     * @return {@code true} if all exited within the timeout
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean stop(long timeout, TimeUnit unit) throws InterruptedException {
        for (EventLoop loop : loops) {
            loop.stop();
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        boolean all = true;
        for (EventLoop loop : loops) {
            all &= loop.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        return all;
    }
}
