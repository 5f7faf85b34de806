package dev.ranch.chat;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One chat line on its way to the other members of a room: the line encoded once, with its
 * {@code \n}, and shared read-only by every receiver.
 *
 * <p>It counts holds: one for the sender while it fans the line out, one per receiver inbox it
 * sits in. The last {@link #release()} tells the sender's {@link SenderFlow} that the line is
 * no longer in flight. Retain and release are safe from any thread.
 */
final class Broadcast {

    private static final AtomicIntegerFieldUpdater<Broadcast> HOLDS =
            AtomicIntegerFieldUpdater.newUpdater(Broadcast.class, "holds");

    final String room;
    final byte[] line;
    private final SenderFlow sender;
    @SuppressWarnings("unused") // updated through HOLDS
    private volatile int holds = 1;

    /** A line held once, by the sender that is about to fan it out. */
    Broadcast(String room, byte[] line, SenderFlow sender) {
        this.room = room;
        this.line = line;
        this.sender = sender;
    }

    /** One more inbox holds the line. Any thread. */
    void retain() {
        HOLDS.incrementAndGet(this);
    }

    /** One holder is done with the line (delivered or dropped). Any thread. */
    void release() {
        if (HOLDS.decrementAndGet(this) == 0) {
            sender.lineDone();
        }
    }
}
