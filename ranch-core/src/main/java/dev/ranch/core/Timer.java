package dev.ranch.core;

/** A timer set with {@link Connection#schedule}. */
public interface Timer {

    /**
     * Cancels the timer; {@code onTimeout} will not be called for it. A no-op if it already
     * fired or was cancelled. Owner thread only.
     *
     * @throws IllegalStateException when called from another thread
     */
    void cancel();

    /** Whether the timer is still waiting to fire. Owner thread only. */
    boolean isPending();
}
