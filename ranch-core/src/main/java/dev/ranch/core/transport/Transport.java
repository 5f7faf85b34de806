package dev.ranch.core.transport;

import dev.ranch.core.listener.ListenerOptions;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * How a listener opens its listen channels and how bytes cross each accepted channel.
 *
 * <p>A transport has two halves with different owners. {@link #listen} and
 * {@link #configureAccepted} run on the thread that starts the listener and on acceptor
 * threads. {@link #newSession} runs on the connection's owning event loop, and the
 * {@link TransportSession} it returns is used only there. Plain TCP needs no state per
 * connection; TLS keeps its {@code SSLEngine} in the session, and a PROXY-header reader
 * would wrap another session. Implementations must be thread-safe.
 */
public interface Transport {

    /** A short name for logs and {@code Listener.info()}, such as {@code "tcp"}. */
    String name();

    /** Whether bytes on this transport are encrypted; {@code false} for plain TCP. */
    boolean secure();

    /**
     * Opens and binds one listen channel in blocking mode.
     *
     * @param address where to bind; a port of 0 asks the kernel for a free port
     * @param backlog the accept queue length requested from the kernel
     * @param reusePort set {@code SO_REUSEPORT} so several channels can share the port
     * @throws IOException when the address cannot be bound
     * @throws UnsupportedOperationException when {@code reusePort} is asked for and the
     *     platform has no {@code SO_REUSEPORT}
     */
    ServerSocketChannel listen(SocketAddress address, int backlog, boolean reusePort) throws IOException;

    /**
     * Prepares a freshly accepted channel before it is handed to its event loop: makes it
     * non-blocking and applies the socket options of {@code options}. Called on an acceptor
     * thread.
     *
     * @throws IOException when the channel rejects an option (the caller closes it)
     */
    void configureAccepted(SocketChannel channel, ListenerOptions options) throws IOException;

    /**
     * Cleans up after a listener stopped listening on {@code address} for good, e.g. removes
     * a Unix domain socket's file. Called once, by the stopping thread. Default: nothing.
     */
    default void unbind(SocketAddress address) {}

    /**
     * Creates the per-connection state of this transport. Called once per connection on its
     * owning event loop, before the protocol is created.
     */
    TransportSession newSession(SocketChannel channel);

    /**
     * Creates the per-connection state of this transport for a connection that can be asked
     * things through {@code context} (its {@code Connection}, its owner loop). Called once per
     * connection on its owning event loop. The default ignores the context.
     */
    default TransportSession newSession(SocketChannel channel, SessionContext context) {
        return newSession(channel);
    }
}
