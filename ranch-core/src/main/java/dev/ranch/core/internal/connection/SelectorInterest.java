package dev.ranch.core.internal.connection;

import java.nio.channels.SelectionKey;

/**
 * What the owner loop's selector watches for one connection, and whether its protocol paused
 * reads. It remembers the interest set last given to the key, so that asking for the same set
 * again costs nothing: changing it is an {@code epoll_ctl} system call, and the inline write
 * path asks on every write.
 *
 * <p>A paused connection leaves {@code OP_READ} out of its interest, so the kernel's receive
 * buffer fills and TCP pushes back on the peer; nothing is read and dropped. Which other
 * states allow reading is the connection's to say ({@link #update}).
 *
 * <p>Owner thread only.
 */
final class SelectorInterest {

    /** {@code null} until the connection is registered with its loop. */
    private SelectionKey key;
    private int ops;
    private boolean readsPaused;

    /** The connection is registered with its loop, with no interest yet. */
    void registered(SelectionKey registeredKey) {
        key = registeredKey;
    }

    /** Whether there is a key to set interest on; before registration there is not. */
    boolean isRegistered() {
        return key != null;
    }

    /** Watches for exactly {@code interest}; a set equal to the current one makes no system call. */
    void set(int interest) {
        if (interest != ops) {
            ops = interest;
            key.interestOps(interest);
        }
    }

    /**
     * Watches for reads if {@code reading} and reads are not paused, and for writability if
     * {@code writing} (bytes wait for the kernel). Needs {@link #isRegistered()}.
     */
    void update(boolean reading, boolean writing) {
        int interest = 0;
        if (reading && !readsPaused) {
            interest |= SelectionKey.OP_READ;
        }
        if (writing) {
            interest |= SelectionKey.OP_WRITE;
        }
        set(interest);
    }

    /** Whether the protocol paused reads (or the connection was rejected and never reads). */
    boolean readsPaused() {
        return readsPaused;
    }

    /** Stops reading at the next {@link #update}; also used to keep a rejected connection from reading at all. */
    void pauseReads() {
        readsPaused = true;
    }

    /**
     * Reads again from the next {@link #update} on.
     *
     * @return whether reads were paused, in which case input the session already holds must be read by hand
     */
    boolean resumeReads() {
        boolean wasPaused = readsPaused;
        readsPaused = false;
        return wasPaused;
    }

    /** The socket is closing: the selector stops watching it. */
    void cancel() {
        if (key != null) {
            key.cancel();
        }
    }
}
