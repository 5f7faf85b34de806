package dev.ranch.core.internal.connection;

import dev.ranch.core.listener.Listener;

/**
 * Who a {@link SocketConnection} answers to: the supervisor of the listener that accepted it,
 * or the connector of an outbound connection. It is told when the connection stops counting,
 * crashes, fails its handshake, and closes. Methods are called on the connection's
 * owner thread and must be thread-safe.
 */
public interface ConnectionOwner {

    /** For log lines: {@code listener 'echo'} or {@code outbound to host:port}. */
    String describe();

    /** The listener that accepted the connection, or {@code null} for an outbound one. */
    Listener listener();

    /** The connection closed and will call nothing more; {@code counted} says whether it held a slot. */
    void closed(SocketConnection connection, boolean counted);

    /** The connection asked to stop counting against a limit. */
    void uncounted(SocketConnection connection);

    /** A protocol callback of the connection threw. */
    void crashed(SocketConnection connection);

    /** The transport handshake failed or timed out. */
    void handshakeFailed(SocketConnection connection);
}
