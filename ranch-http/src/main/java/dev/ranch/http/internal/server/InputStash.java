package dev.ranch.http.internal.server;

import java.nio.ByteBuffer;

/**
 * Input a connection read but may not parse yet (a request is in flight, the peer is not
 * reading its answers, the connection is closing): at most one read buffer and a partial
 * request, since reads pause as soon as anything is kept. Allocated on first use and
 * dropped once drained, so a connection that is never suspended holds no buffer.
 *
 * <p>Owner loop thread only.
 */
final class InputStash {

    private static final int FIRST_CAPACITY = 1024;

    /** Write mode between {@link #keep} calls; null while nothing is kept. */
    private ByteBuffer kept;

    /** Whether no input is kept. */
    boolean isEmpty() {
        return kept == null || kept.position() == 0;
    }

    /** Appends the rest of {@code data}, growing to fit. */
    void keep(ByteBuffer data) {
        int n = data.remaining();
        if (n == 0) {
            return;
        }
        if (kept == null) {
            kept = ByteBuffer.allocate(Math.max(n, FIRST_CAPACITY));
        } else if (kept.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(kept.position() + n);
            kept.flip();
            bigger.put(kept);
            kept = bigger;
        }
        kept.put(data);
    }

    /**
     * The kept input, flipped for reading, or null when nothing is kept. The caller reads from
     * it and then calls {@link #settle}; nothing may be kept in between.
     */
    ByteBuffer readable() {
        return isEmpty() ? null : kept.flip();
    }

    /**
     * Ends a read of {@link #readable}: what was left unread stays kept (compacted in place,
     * so a pipelined burst reuses one buffer) when {@code keepRest}, else the stash is emptied.
     */
    void settle(boolean keepRest) {
        if (keepRest && kept != null && kept.hasRemaining()) {
            kept.compact();
        } else {
            kept = null;
        }
    }

    /** Forgets what is kept (the connection closed). */
    void clear() {
        kept = null;
    }
}
