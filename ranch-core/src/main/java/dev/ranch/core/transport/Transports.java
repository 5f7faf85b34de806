package dev.ranch.core.transport;

/** The transports that ship with ranch-core. */
public final class Transports {

    private Transports() {}

    /** Plain TCP over {@link java.nio.channels.SocketChannel}; stateless and shared. */
    public static Transport tcp() {
        return TcpTransport.INSTANCE;
    }
}
