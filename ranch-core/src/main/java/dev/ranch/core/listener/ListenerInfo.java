package dev.ranch.core.listener;

/**
 * A snapshot of a listener's figures, taken by {@link Listener#info()}.
 *
 * @param name the listener's name
 * @param state its state when the snapshot was taken
 * @param port the bound port
 * @param transport the transport's name
 * @param numAcceptors acceptor threads
 * @param maxConnections the connection limit, or {@link ListenerOptions#INFINITY}
 * @param activeConnections connections accepted and not yet closed
 * @param totalAccepted connections accepted since start
 * @param handshakeFailures connections closed because their handshake failed or timed out
 * @param crashes protocol callbacks that threw
 */
public record ListenerInfo(String name, ListenerState state, int port, String transport, int numAcceptors,
                           int maxConnections, int activeConnections, long totalAccepted,
                           long handshakeFailures, long crashes) {
}
