package dev.ranch.chat;

import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * A run of chat lines of one sender on its way to the other members of a room: the lines
 * encoded once, each with its {@code \n}, and shared read-only by every receiver. A sender
 * gathers the lines of one read into a run, so fanning them out costs one offer per receiver
 * for the run, not one per line.
 *
 * <p>It counts holds: one for the sender while it fans the run out, one per receiver inbox it
 * sits in. The last {@link #release()} tells its {@link Origin} (the sender's {@link SenderFlow},
 * or the {@link RoomRelay} for a run said on another node) that its lines are no longer in
 * flight. Retain and release are safe from any thread.
 */
final class Broadcast {

    /** Who is told when every holder of a run is done with it. */
    interface Origin {
        /** The last holder of {@code run} released it. Any thread. */
        void done(Broadcast run);
    }

    private static final AtomicIntegerFieldUpdater<Broadcast> HOLDS =
            AtomicIntegerFieldUpdater.newUpdater(Broadcast.class, "holds");

    final String room;
    /** Whole lines, each ending in {@code \n}. */
    final byte[] lines;
    /** How many lines {@link #lines} holds. */
    final int count;
    private final Origin origin;
    @SuppressWarnings("unused") // updated through HOLDS
    private volatile int holds = 1;

    /** {@code count} lines held once, by the sender that is about to fan them out. */
    Broadcast(String room, byte[] lines, int count, Origin origin) {
        this.room = room;
        this.lines = lines;
        this.count = count;
        this.origin = origin;
    }

    /** One more inbox holds the line. Any thread. */
    void retain() {
        HOLDS.incrementAndGet(this);
    }

    /** One holder is done with the lines (delivered or dropped). Any thread. */
    void release() {
        if (HOLDS.decrementAndGet(this) == 0) {
            origin.done(this);
        }
    }
}
