package dev.ranch.chat;

import dev.ranch.core.Connection;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The open WebSocket sessions of one chat server, so that a stop can say goodbye to them in
 * the chat's own words. On a TCP connection the listener's graceful stop calls the protocol's
 * {@code onShutdown}, which writes {@code BYE server shutting down}; a WebSocket handler has
 * no such callback, so {@link ChatServer#close()} asks each browser through its mailbox with
 * {@link #SHUTDOWN} and waits, bounded, for them to go before stopping the listeners.
 * Thread-safe.
 */
final class Browsers {

    /** The mailbox message that makes a browser member say {@code BYE server shutting down} and close. */
    static final Object SHUTDOWN = new Object() {
        @Override
        public String toString() {
            return "SHUTDOWN";
        }
    };

    private final Set<Connection> open = ConcurrentHashMap.newKeySet();

    /** A session opened. Its loop thread. */
    void opened(Connection connection) {
        open.add(connection);
    }

    /** A session closed. Its loop thread. */
    void closed(Connection connection) {
        open.remove(connection);
        synchronized (this) {
            notifyAll();
        }
    }

    /** The number of open sessions. Any thread. */
    int count() {
        return open.size();
    }

    /**
     * Sends {@link #SHUTDOWN} to every open session and waits until all are closed, at most
     * {@code limit}; returns whether they all went. Any thread but a loop thread.
     */
    boolean sayGoodbye(Duration limit) {
        for (Connection connection : open) {
            if (!connection.send(SHUTDOWN)) {
                open.remove(connection); // already closing: nothing to wait for
            }
        }
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (this) {
            while (!open.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }
}
