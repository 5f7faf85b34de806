package dev.ranch.core.transport;

import dev.ranch.core.Connection;

/**
 * What a {@link TransportSession} may ask of the connection it serves. Implemented by the
 * connection; given to {@link Transport#newSession(java.nio.channels.SocketChannel, SessionContext)}.
 */
public interface SessionContext {

    /**
     * The connection this session serves, for decisions that depend on it (a TLS server-name
     * choice may look at its peer or attributes). Its protocol may not exist yet.
     */
    Connection connection();

    /** Runs {@code task} on the connection's owner loop, after the current task. Any thread. */
    void executeOnOwner(Runnable task);

    /**
     * Calls {@link TransportSession#handshake} again after it answered
     * {@link HandshakeStatus#PENDING}. Owner thread; ignored when the connection is no longer
     * handshaking (it timed out or was aborted meanwhile).
     */
    void continueHandshake();
}
