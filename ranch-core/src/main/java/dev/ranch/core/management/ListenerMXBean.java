package dev.ranch.core.management;

/**
 * A listener seen through JMX, registered as {@code dev.ranch:type=Listener,name="<name>"}
 * (the name quoted as {@code ObjectName.quote} does) while the listener runs. Attributes are the figures of {@code Listener.info()}
 * ({@code MaxConnections} is writable); the operations {@code suspend} and {@code resume} act
 * on the listener as the same-named Java methods do. Called on JMX threads.
 */
public interface ListenerMXBean {

    /** The listener's name. */
    String getName();

    /** RUNNING, SUSPENDED, STOPPING or STOPPED. */
    String getState();

    /** The bound port; 0 for a Unix domain socket. */
    int getPort();

    /** The transport's name. */
    String getTransport();

    /** Acceptor threads. */
    int getNumAcceptors();

    /** The connection limit; {@link Integer#MAX_VALUE} means none. */
    int getMaxConnections();

    /** Live connections counted against the limit. */
    int getActiveConnections();

    /** All live connections. */
    int getAllConnections();

    /** Connections accepted since start. */
    long getTotalAccepted();

    /** Clients refused at the limit since start. */
    long getTotalRefused();

    /** Handshakes that failed or timed out. */
    long getHandshakeFailures();

    /** Protocol callbacks that threw. */
    long getCrashes();

    /** Bytes read from the peers since start; see {@code Listener.bytesIn()}. */
    long getBytesIn();

    /** Bytes written for the peers since start; see {@code Listener.bytesOut()}. */
    long getBytesOut();

    /** Clients waiting in the kernel's accept queue (Linux; -1 elsewhere); see {@code Listener.acceptQueueDepth()}. */
    long getAcceptQueueDepth();

    /** Stops listening, keeps serving; see {@code Listener.suspend()}. */
    void suspend();

    /** Listens again; see {@code Listener.resume()}. */
    void resume();

    /**
     * Changes the limit now; see {@code Listener.setMaxConnections(int)}. Beside its getter
     * this makes {@code MaxConnections} a writable attribute.
     */
    void setMaxConnections(int max);
}
