package dev.ranch.core.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.Timer;
import dev.ranch.core.listener.ConnectionInfo;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.loop.EventLoop;
import dev.ranch.core.loop.Selectable;
import dev.ranch.core.transport.HandshakeStatus;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.TransportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The {@link Connection} of an accepted socket, owned by one {@link EventLoop}.
 *
 * <p>Created on an acceptor thread, which only constructs it and queues {@link #start()} on
 * the owner loop; from then on every field is touched by the owner thread alone, except the
 * close listeners (with the closed flag) and the attributes, which are thread-safe.
 *
 * <p>Every protocol callback goes through {@link #invoke}: it counts the nesting depth and
 * turns an exception into a crash of this connection. State changes asked for inside a
 * callback (handshake, close, abort, a crossed watermark) are applied in {@link #settle()}
 * once the outermost callback has returned, so callbacks never nest and a protocol never sees
 * {@code onClose} while it is still inside {@code onData}.
 */
public final class SocketConnection implements Connection, Selectable {

    private static final Logger LOG = LoggerFactory.getLogger(SocketConnection.class);

    /** Reads per readiness event before other connections get their turn. */
    private static final int MAX_READS_PER_EVENT = 16;

    private static final int NEW = 0;
    private static final int HANDSHAKING = 1;
    private static final int OPEN = 2;
    private static final int CLOSING = 3;
    private static final int CLOSED = 4;

    /** The protocol callbacks, for {@link #invoke} and its crash log line. */
    private enum Callback {
        INIT("init"), HANDSHAKE("onHandshake"), REJECTED("onRejected"), DATA("onData"), MESSAGE("onMessage"), TIMEOUT("onTimeout"),
        IDLE("onIdle"), WRITABILITY("onWritabilityChanged"), SHUTDOWN("onShutdown"), CLOSE("onClose");

        final String method;

        Callback(String method) {
            this.method = method;
        }
    }

    private final long id;
    private final ConnectionOwner owner;
    private final int shard;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final Transport transport;
    private final ProtocolFactory factory;
    private final ListenerOptions options;
    private final SocketAddress peer;
    private final SocketAddress local;
    private final LifecycleTimer lifecycleTimer = new LifecycleTimer(this);
    /** Created only when an idle timeout is set: most connections never need one. */
    private IdleTimer idleTimer;
    /** Guarded by {@code this}; created only when someone listens (the Registry does). */
    private CloseListeners closeListeners;
    private volatile boolean closed;
    private final boolean rejected;
    private final long createdNanos = System.nanoTime();

    private TransportSession session;
    private Protocol protocol;
    private SelectionKey key;
    private int state = NEW;
    private int interestOps;
    private boolean readsPaused;
    private final OutboundQueue outbound;
    private boolean reportedWritable = true;
    private int depth;
    private boolean handshakeRequested;
    private boolean closeRequested;
    private boolean abortRequested;
    private Throwable closeCause;
    private List<UserTimer> userTimers;
    private volatile Map<String, Object> attributes;
    private volatile boolean counted;
    /** Bytes read; written by the owner, read by snapshots (opaque). */
    private long bytesIn;

    private static final VarHandle BYTES_IN;

    static {
        try {
            BYTES_IN = MethodHandles.lookup().findVarHandle(SocketConnection.class, "bytesIn", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Wraps an accepted, configured channel. Acceptor thread; does no I/O.
     *
     * @param owner who is told about the connection's life
     * @param shard the supervisor shard whose slot this connection holds; ignored when not counted
     * @param counted whether it holds a slot of a listener's limit
     * @param rejected whether it was refused at the limit and only gets {@code onRejected}
     */
    public SocketConnection(long id, ConnectionOwner owner, int shard, boolean counted, boolean rejected,
                            EventLoop loop, SocketChannel channel, Transport transport,
                            ProtocolFactory factory, ListenerOptions options) {
        this.id = id;
        this.owner = owner;
        this.shard = shard;
        this.counted = counted;
        this.rejected = rejected;
        this.loop = loop;
        this.channel = channel;
        this.transport = transport;
        this.factory = factory;
        this.options = options;
        this.peer = addressOf(channel, true);
        this.local = addressOf(channel, false);
        if (!options.idleTimeout().isZero()) {
            this.idleTimer = new IdleTimer(this, loop, options.idleTimeout().toNanos());
        }
        this.outbound = new OutboundQueue(options.writeHighWatermark(), options.writeLowWatermark());
    }

    /** The supervisor shard whose slot this connection holds. */
    public int shard() {
        return shard;
    }

    /**
     * Takes ownership on the owner loop: registers the channel, creates the protocol and calls
     * its {@code init}. Queued by the acceptor; runs on the owner thread.
     */
    public void start() {
        if (loop.isStopping()) {
            forceClose(new ClosedChannelException());
            return;
        }
        // Armed first, so that whatever fails below, something still ends this connection.
        loop.schedule(lifecycleTimer, options.handshakeTimeout().toNanos());
        try {
            key = loop.register(channel, 0, this);
            session = transport.newSession(channel);
        } catch (Throwable t) {
            forceClose(t);
            return;
        }
        invoke(Callback.INIT, null);
    }

    /** Asks the protocol to wind down because the listener is stopping. Any thread. */
    public void shutdown() {
        loop.execute(() -> {
            if (state < CLOSING) {
                invoke(Callback.SHUTDOWN, null);
            }
        });
    }

    // ---- Connection: identity ----

    @Override
    public long id() {
        return id;
    }

    @Override
    public Listener listener() {
        return owner.listener();
    }

    @Override
    public SocketAddress peer() {
        return peer;
    }

    @Override
    public SocketAddress local() {
        return local;
    }

    @Override
    public String toString() {
        return "connection " + id + " of " + owner.describe() + " with " + peer;
    }

    // ---- Connection: owner-thread operations ----

    @Override
    public void handshake() {
        checkOwner("handshake()");
        if (state != NEW) {
            throw new IllegalStateException("connection " + id + ": handshake() may be called only once");
        }
        state = HANDSHAKING;
        handshakeRequested = true;
        settleIfIdle();
    }

    @Override
    public void write(byte[] data) {
        write(ByteBuffer.wrap(data));
    }

    @Override
    public void write(ByteBuffer data) {
        if (canWrite()) {
            try {
                outbound.write(session, channel, data);
            } catch (IOException e) {
                failed(e);
                return;
            }
            afterWrite();
        }
    }

    @Override
    public void write(ByteBuffer... data) {
        if (canWrite()) {
            try {
                outbound.write(session, channel, data);
            } catch (IOException e) {
                failed(e);
                return;
            }
            afterWrite();
        }
    }

    /** Whether a write may proceed: owner thread, handshake done; writes after close are dropped. */
    private boolean canWrite() {
        checkOwner("write()");
        if (state < OPEN) {
            throw beforeHandshake("write()");
        }
        return state == OPEN;
    }

    private void afterWrite() {
        updateInterest();
        if (outbound.isWritable() != reportedWritable) {
            settleIfIdle();
        }
    }

    @Override
    public boolean isWritable() {
        checkOwner("isWritable()");
        return outbound.isWritable();
    }

    @Override
    public long pendingWriteBytes() {
        checkOwner("pendingWriteBytes()");
        return outbound.bytes();
    }

    @Override
    public void pauseReads() {
        checkReadControl("pauseReads()");
        readsPaused = true;
        updateInterest();
    }

    @Override
    public void resumeReads() {
        checkReadControl("resumeReads()");
        if (readsPaused && idleTimer != null) {
            idleTimer.activity(loop.now());
        }
        readsPaused = false;
        updateInterest();
    }

    @Override
    public boolean isReadPaused() {
        checkOwner("isReadPaused()");
        return readsPaused;
    }

    @Override
    public Timer schedule(Duration delay, Object token) {
        checkOwner("schedule()");
        UserTimer timer = new UserTimer(this, token);
        if (state == CLOSED) {
            return timer;
        }
        if (userTimers == null) {
            userTimers = new ArrayList<>(2);
        }
        userTimers.add(timer);
        loop.schedule(timer, Math.max(0, delay.toNanos()));
        return timer;
    }

    @Override
    public void setIdleTimeout(Duration timeout) {
        checkOwner("setIdleTimeout()");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("idle timeout must not be negative, got " + timeout);
        }
        if (idleTimer == null) {
            if (timeout.isZero()) {
                return;
            }
            idleTimer = new IdleTimer(this, loop, 0);
        }
        idleTimer.setTimeout(timeout.toNanos(), state == OPEN);
    }

    @Override
    public void close() {
        checkOwner("close()");
        if (state >= CLOSING) {
            return;
        }
        state = CLOSING;
        closeRequested = true;
        updateInterest();
        if (!outbound.isEmpty()) {
            loop.schedule(lifecycleTimer, options.closeTimeout().toNanos());
        }
        settleIfIdle();
    }

    @Override
    public void removeFromCount() {
        checkOwner("removeFromCount()");
        if (counted && state != CLOSED) {
            counted = false;
            owner.uncounted(this);
        }
    }

    // ---- Connection: any thread ----

    @Override
    public boolean isCounted() {
        return counted;
    }

    /** A snapshot for {@code Listener.connections()}. Any thread. */
    public ConnectionInfo snapshot() {
        return new ConnectionInfo(id, peer, Duration.ofNanos(System.nanoTime() - createdNanos),
                (long) BYTES_IN.getOpaque(this), outbound.bytesWritten(), counted);
    }

    @Override
    public boolean send(Object message) {
        if (closed) {
            return false;
        }
        loop.execute(() -> {
            if (state != CLOSED) {
                invoke(Callback.MESSAGE, message);
            }
        });
        return true;
    }

    @Override
    public void abort() {
        if (loop.inLoop()) {
            abortNow();
        } else {
            loop.execute(this::abortNow);
        }
    }

    @Override
    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void whenClosed(Consumer<Connection> closeListener) {
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
    public Map<String, Object> attributes() {
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

    // ---- readiness, from the loop ----

    @Override
    public void onReady(SelectionKey readyKey) {
        if (state == CLOSED) {
            return;
        }
        int ready = readyKey.readyOps();
        try {
            if (state == HANDSHAKING) {
                advanceHandshake();
                return;
            }
            if ((ready & SelectionKey.OP_WRITE) != 0) {
                flush();
            }
            if ((ready & SelectionKey.OP_READ) != 0) {
                read();
            }
        } catch (RuntimeException e) {
            // Protocol code is guarded where it is called; this is the transport failing.
            failed(e);
        }
    }

    @Override
    public void forceClose(Throwable cause) {
        if (state == CLOSED) {
            return;
        }
        if (closeCause == null) {
            closeCause = cause;
        }
        abortRequested = true;
        depth = 0;
        finish();
    }

    private void read() {
        ByteBuffer buffer = loop.readBuffer();
        for (int i = 0; i < MAX_READS_PER_EVENT && state == OPEN && !readsPaused; i++) {
            buffer.clear();
            int n;
            try {
                n = session.read(channel, buffer);
            } catch (IOException e) {
                failed(e);
                return;
            }
            if (n < 0) {
                // The peer closed its side: write what is queued, then close ours.
                close();
                return;
            }
            if (n == 0) {
                return;
            }
            if (idleTimer != null) {
                idleTimer.activity(loop.now());
            }
            BYTES_IN.setOpaque(this, bytesIn + n);
            buffer.flip();
            invoke(Callback.DATA, buffer);
            if (n < buffer.capacity()) {
                return;
            }
        }
    }

    private void flush() {
        try {
            outbound.flush(session, channel);
        } catch (IOException e) {
            failed(e);
            return;
        }
        updateInterest();
        settle();
    }

    private void advanceHandshake() {
        HandshakeStatus status;
        try {
            status = session.handshake(channel);
        } catch (IOException e) {
            owner.handshakeFailed(this);
            failed(e);
            return;
        }
        switch (status) {
            case DONE:
                state = OPEN;
                loop.cancel(lifecycleTimer);
                if (rejected) {
                    readsPaused = true;
                    invoke(Callback.REJECTED, null);
                    close();
                    break;
                }
                if (idleTimer != null) {
                    idleTimer.restart();
                }
                updateInterest();
                invoke(Callback.HANDSHAKE, null);
                break;
            case NEED_READ:
                setInterest(SelectionKey.OP_READ);
                break;
            case NEED_WRITE:
                setInterest(SelectionKey.OP_WRITE);
                break;
            default:
                throw new AssertionError(status);
        }
    }

    // ---- hooks for the timers ----

    boolean isOpenForReads() {
        return state == OPEN;
    }

    boolean isReadPausedInternally() {
        return readsPaused;
    }

    /** The lifecycle timer expired: the handshake or a graceful close took too long. */
    void lifecycleTimedOut() {
        if (state < OPEN) {
            owner.handshakeFailed(this);
            LOG.debug("connection {} of {}: handshake not completed within {}",
                    id, owner.describe(), options.handshakeTimeout());
            failed(new TimeoutException("handshake not completed within " + options.handshakeTimeout()));
        } else if (state == CLOSING) {
            failed(new TimeoutException("queued bytes not written within closeTimeout " + options.closeTimeout()));
        }
    }

    void idleTimedOut() {
        invoke(Callback.IDLE, null);
    }

    void timerFired(UserTimer timer, Object token) {
        userTimers.remove(timer);
        if (state != CLOSED) {
            invoke(Callback.TIMEOUT, token);
        }
    }

    void cancelTimer(UserTimer timer) {
        checkOwner("Timer.cancel()");
        loop.cancel(timer);
        if (userTimers != null) {
            userTimers.remove(timer);
        }
    }

    // ---- the callback discipline ----

    /** Calls one protocol callback; a throw is a crash of this connection. Owner thread. */
    private void invoke(Callback callback, Object argument) {
        if (protocol == null && callback != Callback.INIT) {
            return;
        }
        depth++;
        try {
            switch (callback) {
                case INIT:
                    protocol = Objects.requireNonNull(factory.create(this), "the ProtocolFactory returned null");
                    if (rejected) {
                        handshake();
                    } else {
                        protocol.init(this);
                    }
                    break;
                case HANDSHAKE:
                    protocol.onHandshake(this);
                    break;
                case REJECTED:
                    protocol.onRejected(this);
                    break;
                case DATA:
                    protocol.onData(this, (ByteBuffer) argument);
                    break;
                case MESSAGE:
                    protocol.onMessage(this, argument);
                    break;
                case TIMEOUT:
                    protocol.onTimeout(this, argument);
                    break;
                case IDLE:
                    protocol.onIdle(this);
                    break;
                case WRITABILITY:
                    protocol.onWritabilityChanged(this, (Boolean) argument);
                    break;
                case SHUTDOWN:
                    protocol.onShutdown(this);
                    break;
                case CLOSE:
                    protocol.onClose(this, closeCause);
                    break;
                default:
                    throw new AssertionError(callback);
            }
        } catch (Throwable t) {
            crashed(callback, t);
        } finally {
            if (--depth == 0) {
                settle();
            }
        }
    }

    private void settleIfIdle() {
        if (depth == 0) {
            settle();
        }
    }

    /** Applies what callbacks asked for, now that none is running. Owner thread, depth 0. */
    private void settle() {
        if (state == CLOSED) {
            return;
        }
        if (abortRequested || (closeRequested && outbound.isEmpty())) {
            finish();
        } else if (handshakeRequested) {
            handshakeRequested = false;
            advanceHandshake();
        } else if (state == OPEN && reportedWritable != outbound.isWritable()) {
            reportedWritable = outbound.isWritable();
            invoke(Callback.WRITABILITY, reportedWritable);
        }
    }

    private void abortNow() {
        if (state == CLOSED) {
            return;
        }
        state = CLOSING;
        abortRequested = true;
        settleIfIdle();
    }

    private void crashed(Callback callback, Throwable t) {
        owner.crashed(this);
        LOG.warn("connection {} of {} crashed in {}; closing it", id, owner.describe(), callback.method, t);
        if (state == CLOSED) {
            return;
        }
        closeCause = t;
        abortRequested = true;
        state = CLOSING;
    }

    private void failed(Throwable cause) {
        LOG.debug("connection {} of {} failed", id, owner.describe(), cause);
        if (state == CLOSED) {
            return;
        }
        if (closeCause == null) {
            closeCause = cause;
        }
        abortRequested = true;
        state = CLOSING;
        settleIfIdle();
    }

    /** Closes the socket, tells everyone, then frees the slot; exactly once. Owner thread. */
    private void finish() {
        if (state == CLOSED) {
            return;
        }
        state = CLOSED;
        try {
            cancelTimers();
            if (session != null && !abortRequested) {
                session.beforeClose(channel);
            }
        } catch (Throwable t) {
            LOG.debug("connection {}: transport failed while closing", id, t);
        } finally {
            if (key != null) {
                key.cancel();
            }
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing connection {} failed", id, e);
            }
            try {
                CloseListeners listeners;
                synchronized (this) {
                    // Set under the same monitor as whenClosed adds, so no listener is lost or run twice.
                    closed = true;
                    listeners = closeListeners;
                    closeListeners = null;
                }
                if (listeners != null) {
                    listeners.runAll(this);
                }
                if (protocol != null) {
                    invoke(Callback.CLOSE, null);
                }
            } finally {
                // Last, so that a stop which waits for free slots also waits for every onClose,
                // and a protocol counting from init to onClose never sees more than maxConnections.
                owner.closed(this, counted);
            }
        }
    }

    private void cancelTimers() {
        loop.cancel(lifecycleTimer);
        if (idleTimer != null) {
            idleTimer.stop();
        }
        if (userTimers != null) {
            for (UserTimer timer : userTimers) {
                loop.cancel(timer);
            }
            userTimers = null;
        }
    }

    // ---- helpers ----

    private void updateInterest() {
        if (key == null || state < OPEN || state == CLOSED) {
            return;
        }
        int ops = 0;
        if (state == OPEN && !readsPaused) {
            ops |= SelectionKey.OP_READ;
        }
        if (!outbound.isEmpty()) {
            ops |= SelectionKey.OP_WRITE;
        }
        setInterest(ops);
    }

    private void setInterest(int ops) {
        if (ops != interestOps) {
            interestOps = ops;
            key.interestOps(ops);
        }
    }

    void checkOwner(String operation) {
        if (!loop.inLoop()) {
            throw new IllegalStateException(operation + " called on thread '" + Thread.currentThread().getName()
                    + "', but connection " + id + " is owned by '" + loop.name()
                    + "': use send() to reach a connection from another thread");
        }
    }

    private void checkReadControl(String operation) {
        checkOwner(operation);
        if (state < OPEN) {
            throw beforeHandshake(operation);
        }
    }

    private IllegalStateException beforeHandshake(String operation) {
        return new IllegalStateException(operation + " on connection " + id
                + " before its handshake completed: call connection.handshake() (Protocol.init does by default)"
                + " and use the socket from Protocol.onHandshake on");
    }

    private static SocketAddress addressOf(SocketChannel channel, boolean remote) {
        try {
            return remote ? channel.getRemoteAddress() : channel.getLocalAddress();
        } catch (IOException e) {
            return null;
        }
    }
}
