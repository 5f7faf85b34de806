package dev.ranch.core.transport;

/** What a {@link TransportSession#handshake} call needs before it can make progress. */
public enum HandshakeStatus {
    /** The handshake is complete; application data may flow. */
    DONE,
    /** The handshake waits for bytes from the peer. */
    NEED_READ,
    /** The handshake has bytes to send and waits for the socket to take them. */
    NEED_WRITE,
    /**
     * The handshake waits for work running off the event loop (a TLS delegated task). The
     * session calls {@link SessionContext#continueHandshake} on the owner loop when it is done;
     * until then the connection watches for nothing.
     */
    PENDING
}
