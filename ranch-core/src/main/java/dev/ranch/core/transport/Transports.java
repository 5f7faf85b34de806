package dev.ranch.core.transport;

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
}
