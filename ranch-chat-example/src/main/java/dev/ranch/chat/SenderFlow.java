package dev.ranch.chat;

import dev.ranch.core.Connection;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Back-pressure on one sender: counts its lines in flight, that is fanned out but not yet
 * handed to every receiver, and tells the sender when it may read again.
 *
 * <p>The sender (its owner loop) gathers at most {@link #allowance()} lines into a run, calls
 * {@link #linesSent} for the run and {@link #mustPause()} after it; when that answers
 * {@code true} the sender pauses its reads and waits for {@link #RESUME} in its mailbox.
 * Receivers, on any loop, end up in {@link #linesDone} through {@link Broadcast#release()};
 * the one that brings the count down to the resume mark while the sender waits sends it
 * {@link #RESUME}. Only the sender raises the count and receivers only lower it, so a run
 * within the allowance never takes the count above the maximum.
 *
 * <p>No wake-up is lost: the sender sets {@code waiting} and then reads the count; a receiver
 * lowers the count and then reads {@code waiting}. Both are volatile, so at least one of them
 * sees the other's write: either the sender sees the count already low and does not pause, or
 * a receiver sees it waiting and wakes it. A {@code RESUME} is claimed with a CAS on
 * {@code waiting}, so at most one is sent per pause.
 */
final class SenderFlow implements Broadcast.Origin {

    /** The mailbox message that lets a paused sender read again. */
    static final Object RESUME = new Object() {
        @Override
        public String toString() {
            return "RESUME";
        }
    };

    private final Connection connection;
    private final int max;
    private final int resumeAt;
    private final ChatStats.Counters counters;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean waiting = new AtomicBoolean();

    SenderFlow(Connection connection, int maxLinesInFlight, ChatStats.Counters counters) {
        this.connection = connection;
        this.max = maxLinesInFlight;
        this.resumeAt = maxLinesInFlight / 2;
        this.counters = counters;
    }

    /** Lines the sender may still put in flight before it must pause; at least 1. Sender's owner thread. */
    int allowance() {
        return Math.max(1, max - inFlight.get());
    }

    /** {@code count} lines are about to be fanned out. Sender's owner thread. */
    void linesSent(int count) {
        counters.peakInFlight(inFlight.addAndGet(count));
    }

    /**
     * Whether the sender must stop reading now because {@code maxLinesInFlight} of its lines
     * are in flight. {@code true} promises one {@link #RESUME} later. Sender's owner thread.
     */
    boolean mustPause() {
        if (inFlight.get() < max) {
            return false;
        }
        waiting.set(true);
        if (inFlight.get() <= resumeAt && waiting.compareAndSet(true, false)) {
            // Drained while we decided; no receiver will send RESUME for this pause.
            return false;
        }
        counters.readPaused();
        return true;
    }

    @Override
    public void done(Broadcast run) {
        linesDone(run.count);
    }

    /** {@code count} lines of this sender reached every receiver. Any thread. */
    void linesDone(int count) {
        int left = inFlight.addAndGet(-count);
        if (left <= resumeAt && waiting.get() && waiting.compareAndSet(true, false)) {
            connection.send(RESUME);
        }
    }

    /** Lines in flight now. Any thread. */
    int inFlight() {
        return inFlight.get();
    }
}
