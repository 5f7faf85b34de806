package dev.ranch.core.transport;

import dev.ranch.core.internal.transport.TcpTransport;
import dev.ranch.core.internal.transport.UnixTransport;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.core.transport.tls.TlsTransport;

/** The transports that ship with ranch-core. */
public final class Transports {

    private Transports() {}

    /** Plain TCP over {@link java.nio.channels.SocketChannel}; stateless and shared. */
    public static Transport tcp() {
        return TcpTransport.INSTANCE;
    }

    /**
     * Unix domain sockets on the file given by {@code ListenerOptions.unixPath}; stateless
     * and shared. The file is removed when the listener stops.
     */
    public static Transport unix() {
        return UnixTransport.INSTANCE;
    }

    /**
     * TLS over TCP with {@code options}: the handshake runs on each connection's owner loop.
     * Keep the returned transport to replace its certificate later
     * ({@link TlsTransport#update(javax.net.ssl.SSLContext)}, or {@code Listener.updateTls}).
     */
    public static TlsTransport tls(TlsOptions options) {
        return new TlsTransport(tcp(), options);
    }
}
