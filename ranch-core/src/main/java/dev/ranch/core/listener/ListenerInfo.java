package dev.ranch.core.listener;

/**
 * A snapshot of a listener's figures, taken by {@link Listener#info()}.
 *
 * @param name the listener's name
 * @param state its state when the snapshot was taken
 * @param port the bound port (kept while suspended), or 0 for a Unix domain socket
 * @param transport the transport's name
 * @param numAcceptors acceptor threads (of the next resume, while suspended)
 * @param maxConnections the connection limit, or {@link ListenerOptions#INFINITY}
 * @param activeConnections live connections that count against the limit
 * @param allConnections all live connections, including removed-from-count and rejected ones
 * @param totalAccepted connections accepted and served since start
 * @param totalRefused clients refused at the limit ({@link AtLimit#CLOSE} or {@link AtLimit#REJECT}) since start
 * @param handshakeFailures connections closed because their handshake failed or timed out
 * @param crashes protocol callbacks that threw
 */
public record ListenerInfo(String name, ListenerState state, int port, String transport, int numAcceptors,
                           int maxConnections, int activeConnections, int allConnections, long totalAccepted,
                           long totalRefused, long handshakeFailures, long crashes) {
}
