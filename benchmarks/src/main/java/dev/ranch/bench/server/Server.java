package dev.ranch.bench.server;

/**
 * A running benchmark server: one side of a pair, listening on a loopback-reachable port.
 * Closing it stops listening and closes every connection.
 */
public interface Server extends AutoCloseable {

    /** The bound port. */
    int port();

    /** Connections currently open on the server side. Any thread. */
    int connections();

    /** Stops the server and waits until its threads are gone. */
    @Override
    void close();
}
