package dev.ranch.core;

/**
 * Creates the {@link Protocol} of each new connection. Called on the connection's owning
 * event loop, so it must be thread-safe if it shares state and must not block. An exception
 * thrown here closes that connection like a crash of its protocol.
 */
@FunctionalInterface
public interface ProtocolFactory {

    /** A new protocol instance for {@code connection}; never shared between connections. */
    Protocol create(Connection connection);
}
