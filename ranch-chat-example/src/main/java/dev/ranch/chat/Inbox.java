package dev.ranch.chat;

import dev.ranch.core.Connection;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The chat lines waiting for one member, in front of its connection's mailbox.
 *
 * <p>Senders on any loop {@link #offer} lines here and ring the member's mailbox with a single
 * {@link #WAKE} per batch ({@code Connection.send}); the member's owner loop drains the queue in
 * {@code onMessage}. Lines of one sender stay in their order (one FIFO queue).
 *
 * <p>Why not send every line through the mailbox itself: a message that reaches a connection
 * after it closed is dropped by the core without a trace, and a dropped line would stay "in
 * flight" for its sender forever, pausing that sender for good. Here nothing is lost
 * silently: the member sets {@code closed} and then empties the queue; a sender adds and then
 * reads {@code closed}, and empties the queue itself if it sees it set. Both are volatile, so
 * every line is either delivered or released, exactly once (a queue poll hands each element
 * to one caller only).
 */
final class Inbox {

    /** The mailbox message that says "lines are waiting in your inbox". */
    static final Object WAKE = new Object() {
        @Override
        public String toString() {
            return "WAKE";
        }
    };

    private final Connection owner;
    private final ConcurrentLinkedQueue<Broadcast> lines = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeQueued = new AtomicBoolean();
    private volatile boolean closed;

    Inbox(Connection owner) {
        this.owner = owner;
    }

    /** Queues {@code line} for the owner and makes sure a {@link #WAKE} is on its way. Any thread. */
    void offer(Broadcast line) {
        line.retain();
        lines.offer(line);
        if (closed) {
            releaseAll();
            return;
        }
        ring();
    }

    /**
     * Makes sure a {@link #WAKE} is on its way: from {@link #offer}, and from the owner when
     * it stops a drain with lines left. Any thread.
     */
    void ring() {
        if (!wakeQueued.get() && wakeQueued.compareAndSet(false, true) && !owner.send(WAKE)) {
            releaseAll();
        }
    }

    /**
     * Takes the next waiting line, or {@code null}. Call {@link #woken()} once before a
     * drain, so that lines added during it ring again. Owner thread.
     */
    Broadcast poll() {
        return lines.poll();
    }

    /** A {@link #WAKE} arrived: the next offer rings again. Owner thread. */
    void woken() {
        wakeQueued.set(false);
    }

    /** The owner closed: release what waits and whatever arrives later. Owner thread. */
    void close() {
        closed = true;
        releaseAll();
    }

    private void releaseAll() {
        Broadcast line;
        while ((line = lines.poll()) != null) {
            line.release();
        }
    }
}
