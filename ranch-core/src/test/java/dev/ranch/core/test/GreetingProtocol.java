package dev.ranch.core.test;

import dev.ranch.core.Connection;

/**
 * An echo protocol that first writes {@link #GREETING} once the handshake completes, so a
 * client can tell it is being served and not merely waiting in the kernel's backlog, and
 * that reports every callback to a {@link ConnectionTracker}.
 */
public class GreetingProtocol extends EchoProtocol {

    /** The single byte every served client receives first. */
    public static final byte GREETING = '!';

    protected final ConnectionTracker tracker;

    public GreetingProtocol(ConnectionTracker tracker) {
        this.tracker = tracker;
    }

    @Override
    public void init(Connection connection) {
        tracker.initialized(connection);
        connection.handshake();
    }

    @Override
    public void onHandshake(Connection connection) {
        tracker.handshaken(connection);
        connection.write(new byte[] {GREETING});
    }

    @Override
    public void onShutdown(Connection connection) {
        tracker.shutdownRequested(connection);
        connection.close();
    }

    @Override
    public void onClose(Connection connection, Throwable cause) {
        tracker.closed(connection);
    }
}
