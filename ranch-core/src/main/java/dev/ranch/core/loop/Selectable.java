package dev.ranch.core.loop;

import java.nio.channels.SelectionKey;

/**
 * What an {@link EventLoop} calls when a channel registered with it is ready. It is the
 * attachment of the channel's {@link SelectionKey}.
 */
public interface Selectable {

    /**
     * Handles readiness of {@code key}. Called on the loop thread only. Must not throw:
     * an exception that escapes is logged and the key's channel is closed.
     */
    void onReady(SelectionKey key);
}
