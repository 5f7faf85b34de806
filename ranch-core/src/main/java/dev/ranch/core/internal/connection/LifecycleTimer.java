package dev.ranch.core.internal.connection;

import dev.ranch.core.internal.loop.TimerQueue;

/**
 * Bounds the two phases a connection must not linger in: the handshake (armed at start for
 * {@code handshakeTimeout}) and a graceful close that drains queued bytes (armed for
 * {@code closeTimeout}). One entry serves both, as the phases never overlap.
 */
final class LifecycleTimer extends TimerQueue.Entry {

    private final SocketConnection connection;

    LifecycleTimer(SocketConnection connection) {
        this.connection = connection;
    }

    @Override
    protected void expire() {
        connection.lifecycleTimedOut();
    }
}
