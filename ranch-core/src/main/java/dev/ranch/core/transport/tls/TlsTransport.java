package dev.ranch.core.transport.tls;

import dev.ranch.core.internal.transport.tls.TlsSession;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.SessionContext;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.TransportSession;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;

/**
 * TLS over another stream transport (TCP by default), with an {@code SSLEngine} per connection
 * on its own event loop. Acceptors only accept: the handshake runs on the owner loop when the
 * protocol calls {@code Connection.handshake()}, bounded by {@code handshakeTimeout}.
 *
 * <p>The options can be replaced while the listener runs ({@link #update}): each connection
 * takes the options current when it is handed to its loop and keeps them, so a new
 * certificate reaches new connections and drops none. Thread-safe.
 */
public final class TlsTransport implements Transport {

    private final Transport base;
    private volatile TlsOptions options;

    /** TLS with {@code options} over {@code base}'s listen channels and socket options. */
    public TlsTransport(Transport base, TlsOptions options) {
        this.base = Objects.requireNonNull(base, "base");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** The options new connections get. Any thread. */
    public TlsOptions options() {
        return options;
    }

    /** Makes connections handed to their loops from now on use {@code options}. Any thread. */
    public synchronized void update(TlsOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Makes new connections use {@code context} (a reloaded certificate), keeping the other
     * options. A {@link ServerNameSelector}, if set, still chooses per server name; this
     * replaces the context used when it is absent. Any thread.
     */
    public synchronized void update(SSLContext context) {
        this.options = options.toBuilder().context(context).build();
    }

    @Override
    public String name() {
        return "tls";
    }

    @Override
    public boolean secure() {
        return true;
    }

    @Override
    public ServerSocketChannel listen(SocketAddress address, int backlog, boolean reusePort) throws IOException {
        return base.listen(address, backlog, reusePort);
    }

    @Override
    public void configureAccepted(SocketChannel channel, ListenerOptions listenerOptions) throws IOException {
        base.configureAccepted(channel, listenerOptions);
    }

    @Override
    public void unbind(SocketAddress address) {
        base.unbind(address);
    }

    /** A session whose delegated tasks run inline, having no loop to come back to. */
    @Override
    public TransportSession newSession(SocketChannel channel) {
        return new TlsSession(options, null);
    }

    @Override
    public TransportSession newSession(SocketChannel channel, SessionContext context) {
        return new TlsSession(options, context);
    }
}
