package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.listener.ConnectionInfo;
import dev.ranch.core.listener.Listener;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The half of a connection that any thread may touch: identity, addresses, attributes, the
 * closed flag with its close listeners, whether it counts against a limit, and the counters
 * of a {@link ConnectionInfo} snapshot. {@link SocketConnection} adds the owner-thread half.
 *
 * <p>Memory ordering: {@code closed} and {@code counted} are volatile; the close listeners
 * and the closed flag change together under this object's monitor; the {@link Mailbox} orders
 * sends against the close by itself; {@code bytesIn} is written
 * by the owner with opaque stores and read the same way, so a snapshot sees a recent value
 * without ordering the owner's reads.
 */
abstract class ConnectionHandle implements Connection {

    private static final VarHandle BYTES_IN;

    static {
        try {
            BYTES_IN = MethodHandles.lookup().findVarHandle(ConnectionHandle.class, "bytesIn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final long id;
    final ConnectionOwner owner;
    /** The socket's addresses, or those a PROXY header reported; written on the owner thread before the protocol exists. */
    private volatile SocketAddress peer;
    private volatile SocketAddress local;
    private final long createdNanos = System.nanoTime();
    private volatile boolean counted;
    private volatile boolean closed;
    /** Guarded by {@code this}; created only when someone listens (the Registry does). */
    private CloseListeners closeListeners;
    private volatile Map<String, Object> attributes;
    private long bytesIn;
    /** Messages from {@link #send}; the owner takes them and closes it in its close. */
    final Mailbox mailbox = new Mailbox();

    ConnectionHandle(long id, ConnectionOwner owner, boolean counted, SocketChannel channel) {
        this(id, owner, counted, addressOf(channel, true), addressOf(channel, false));
    }

    /** A connection with the given addresses and no socket of its own (the jcstress tests' too). */
    ConnectionHandle(long id, ConnectionOwner owner, boolean counted, SocketAddress peer, SocketAddress local) {
        this.id = id;
        this.owner = owner;
        this.counted = counted;
        this.peer = peer;
        this.local = local;
    }

    /** Reports the client's addresses a PROXY header carried in place of the socket's. Owner thread. */
    final void proxied(SocketAddress peer, SocketAddress local) {
        this.peer = peer;
        if (local != null) {
            this.local = local;
        }
    }

    @Override
    public final long id() {
        return id;
    }

    @Override
    public final Listener listener() {
        return owner.listener();
    }

    @Override
    public final SocketAddress peer() {
        return peer;
    }

    @Override
    public final SocketAddress local() {
        return local;
    }

    @Override
    public final boolean isOpen() {
        return !closed;
    }

    @Override
    public final boolean isCounted() {
        return counted;
    }

    @Override
    public final boolean send(Object message) {
        switch (mailbox.post(message)) {
            case FIRST:
                mailArrived();
                return true;
            case QUEUED:
                return true;
            default:
                return false;
        }
    }

    /**
     * The mailbox was empty and now holds a message: have the owner thread take it, and every
     * message after it, with {@code mailbox.poll()}. Any thread.
     */
    abstract void mailArrived();

    @Override
    public final void whenClosed(Consumer<Connection> closeListener) {
        Objects.requireNonNull(closeListener, "closeListener");
        synchronized (this) {
            if (!closed) {
                if (closeListeners == null) {
                    closeListeners = new CloseListeners();
                }
                closeListeners.add(closeListener);
                return;
            }
        }
        // Closed already: the close has run the others, this one runs now.
        closeListener.accept(this);
    }

    @Override
    public final Map<String, Object> attributes() {
        Map<String, Object> map = attributes;
        if (map == null) {
            synchronized (this) {
                map = attributes;
                if (map == null) {
                    map = new ConcurrentHashMap<>(4);
                    attributes = map;
                }
            }
        }
        return map;
    }

    /** A snapshot for {@code Listener.connections()}. Any thread. */
    public final ConnectionInfo snapshot() {
        return new ConnectionInfo(id, peer, Duration.ofNanos(System.nanoTime() - createdNanos),
                (long) BYTES_IN.getOpaque(this), bytesOut(), counted);
    }

    @Override
    public String toString() {
        return "connection " + id + " of " + owner.describe() + " with " + peer;
    }

    /** Bytes handed to the kernel so far; any thread, may lag the owner slightly. */
    abstract long bytesOut();

    /** Counts bytes read. Owner thread. */
    final void addBytesIn(int n) {
        BYTES_IN.setOpaque(this, bytesIn + n);
    }

    /** Stops counting against the limit; returns whether it counted until now. Owner thread. */
    final boolean uncount() {
        boolean was = counted;
        counted = false;
        return was;
    }

    /**
     * Marks the connection closed and runs the close listeners, exactly once; then closes the
     * mailbox, handing {@code undelivered} every message still in it, oldest first. Owner
     * thread. The listeners and the closed flag change under the monitor with
     * {@link #whenClosed}'s adds, so no listener is lost or run twice.
     */
    final void markClosed(Consumer<Object> undelivered) {
        CloseListeners listeners;
        synchronized (this) {
            closed = true;
            listeners = closeListeners;
            closeListeners = null;
        }
        if (listeners != null) {
            listeners.runAll(this);
        }
        mailbox.close(undelivered);
    }

    private static SocketAddress addressOf(SocketChannel channel, boolean remote) {
        try {
            return remote ? channel.getRemoteAddress() : channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }
}
