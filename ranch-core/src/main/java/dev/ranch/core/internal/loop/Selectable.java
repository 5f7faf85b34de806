package dev.ranch.core.internal.loop;

import java.nio.channels.SelectionKey;

/**
 * What an {@link EventLoop} calls when a channel registered with it is ready. It is the
 * attachment of the channel's {@link SelectionKey}.
 */
public interface Selectable {

    /**
     * Handles readiness of {@code key}. Called on the loop thread only. Should not throw: an
     * exception that escapes is logged and the loop calls {@link #forceClose}.
     */
    void onReady(SelectionKey key);

    /**
     * Closes now and releases whatever the handler holds, because {@link #onReady} threw or
     * the loop is stopping with the channel still registered. Loop thread only. The loop
     * closes the channel afterwards in any case.
     */
    default void forceClose(Throwable cause) {}
}
