package dev.ranch.core.internal.listener;

import java.util.concurrent.TimeUnit;

/**
 * Spaces accepts to a rate with an initial burst, shared by a listener's acceptors: a
 * generic cell-rate algorithm kept as one "theoretical arrival time". Each accept books the
 * next free cell; an acceptor whose cell lies in the future parks until then instead of
 * spinning. Thread-safe; booking is a short critical section.
 */
final class AcceptRateLimiter {

    private final long intervalNanos;
    private final long burstNanos;
    private long nextCell;

    /**
     * @param perSecond accepts per second, at least 1
     * @param burst accepts allowed back to back after a quiet period, at least 1
     */
    AcceptRateLimiter(int perSecond, int burst) {
        this.intervalNanos = TimeUnit.SECONDS.toNanos(1) / perSecond;
        this.burstNanos = (burst - 1) * intervalNanos;
        this.nextCell = System.nanoTime() - burstNanos;
    }

    /**
     * Books the next accept.
     *
     * @return nanoseconds the caller must wait before accepting, 0 if none
     */
    synchronized long book(long now) {
        // Unused cells older than the burst window are forfeit: a quiet period buys a burst, not more.
        long cell = Math.max(nextCell, now - burstNanos);
        nextCell = cell + intervalNanos;
        return Math.max(0, cell - now);
    }
}
