package dev.ranch.core.connection;

import dev.ranch.core.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The listeners a connection runs once it is closed, and the connection's closed flag, under
 * one monitor: a listener added from any thread either lands in the list before the close
 * drains it, or finds the flag set and runs at once. None is lost and none runs twice.
 */
final class CloseListeners {

    private static final Logger LOG = LoggerFactory.getLogger(CloseListeners.class);

    private volatile boolean closed;
    private List<Consumer<Connection>> listeners;

    /** Whether {@link #close} has run. Any thread. */
    boolean isClosed() {
        return closed;
    }

    /** Adds {@code listener}, or runs it now with {@code connection} if already closed. Any thread. */
    void add(Consumer<Connection> listener, Connection connection) {
        synchronized (this) {
            if (!closed) {
                if (listeners == null) {
                    listeners = new ArrayList<>(2);
                }
                listeners.add(listener);
                return;
            }
        }
        listener.accept(connection);
    }

    /** Sets the closed flag and runs every listener added so far. Owner thread, once. */
    void close(Connection connection) {
        List<Consumer<Connection>> toRun;
        synchronized (this) {
            closed = true;
            toRun = listeners;
            listeners = null;
        }
        if (toRun == null) {
            return;
        }
        for (Consumer<Connection> listener : toRun) {
            try {
                listener.accept(connection);
            } catch (Throwable t) {
                LOG.warn("a close listener of {} threw", connection, t);
            }
        }
    }
}
