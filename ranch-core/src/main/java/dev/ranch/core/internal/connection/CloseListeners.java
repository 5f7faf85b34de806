package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The listeners a connection runs once it is closed. Not thread-safe by itself: the
 * connection adds and drains it under its own monitor, together with its closed flag, so a
 * listener added from any thread either lands here before the close drains it or finds the
 * connection closed and runs at once.
 */
final class CloseListeners {

    private static final Logger LOG = LoggerFactory.getLogger(CloseListeners.class);

    private final List<Consumer<Connection>> listeners = new ArrayList<>(2);

    void add(Consumer<Connection> listener) {
        listeners.add(listener);
    }

    /** Runs every listener with {@code connection}; one that throws is logged and the rest still run. */
    void runAll(Connection connection) {
        for (Consumer<Connection> listener : listeners) {
            try {
                listener.accept(connection);
            } catch (Throwable t) {
                LOG.warn("a close listener of {} threw", connection, t);
            }
        }
    }
}
