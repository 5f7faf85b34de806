package dev.ranch.core.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.Timer;
import dev.ranch.core.listener.ConnectionSupervisor;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.loop.EventLoop;
import dev.ranch.core.loop.Selectable;
import dev.ranch.core.loop.TimerQueue;
import dev.ranch.core.transport.HandshakeStatus;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.TransportSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
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
 * few marked as shared ({@code closed}, the close listeners, the attributes).
 *
 * <p>Protocol callbacks go through {@code enter()}/{@code leave()}: state changes asked for
 * inside a callback (handshake, close, abort, a crossed watermark) are applied in
 * {@link #settle()} once the outermost callback has returned, so callbacks never nest and a
 * protocol never sees {@code onClose} while still inside {@code onData}.
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

    private final long id;
    private final Listener listener;
    private final ConnectionSupervisor supervisor;
    private final int shard;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final Transport transport;
    private final ProtocolFactory factory;
    private final ListenerOptions options;
    private final SocketAddress peer;
    private final SocketAddress local;
    private final LifecycleTimer lifecycleTimer = new LifecycleTimer();
    private final IdleTimer idleTimer = new IdleTimer();

    private TransportSession session;
    private Protocol protocol;
    private SelectionKey key;
    private int state = NEW;
    private int interestOps;
    private boolean readsPaused;
    private OutboundQueue outbound;
    private boolean writable = true;
    private boolean reportedWritable = true;
    private int depth;
    private boolean handshakeRequested;
    private boolean closeRequested;
    private boolean abortRequested;
    private Throwable closeCause;
    private long idleNanos;
    private long lastReadNanos;
    private List<UserTimer> userTimers;

    private volatile boolean closed;
    private List<Consumer<Connection>> closeListeners;
    private volatile Map<String, Object> attributes;

    /**
     * Wraps an accepted, configured channel. Acceptor thread; does no I/O.
     *
     * @param shard the supervisor shard whose slot this connection holds
     */
    public SocketConnection(long id, Listener listener, ConnectionSupervisor supervisor, int shard,
                            EventLoop loop, SocketChannel channel, Transport transport,
                            ProtocolFactory factory, ListenerOptions options) {
        this.id = id;
        this.listener = listener;
        this.supervisor = supervisor;
        this.shard = shard;
        this.loop = loop;
        this.channel = channel;
        this.transport = transport;
        this.factory = factory;
        this.options = options;
        this.peer = addressOf(channel, true);
        this.local = addressOf(channel, false);
        this.idleNanos = options.idleTimeout().toNanos();
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
        enter();
        try {
            protocol = factory.create(this);
            Objects.requireNonNull(protocol, "the ProtocolFactory returned null");
            protocol.init(this);
        } catch (Throwable t) {
            crashed("init", t);
        } finally {
            leave();
        }
    }

    /** Asks the protocol to wind down because the listener is stopping. Any thread. */
    public void shutdown() {
        loop.execute(this::deliverShutdown);
    }

    // ---- Connection ----

    @Override
    public long id() {
        return id;
    }

    @Override
    public Listener listener() {
        return listener;
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
    public void handshake() {
        checkOwner("handshake()");
        if (state != NEW) {
            throw new IllegalStateException("connection " + id + ": handshake() may be called only once");
        }
        state = HANDSHAKING;
        handshakeRequested = true;
        if (depth == 0) {
            settle();
        }
    }

    @Override
    public void write(byte[] data) {
        write(ByteBuffer.wrap(data));
    }

    @Override
    public void write(ByteBuffer data) {
        checkOwner("write()");
        if (state != OPEN) {
            if (state < OPEN) {
                throw beforeHandshake("write()");
            }
            return;
        }
        if (outbound == null || outbound.isEmpty()) {
            try {
                OutboundQueue.writeNow(session, channel, data);
            } catch (IOException e) {
                failed(e);
                return;
            }
            if (!data.hasRemaining()) {
                return;
            }
        }
        if (outbound == null) {
            outbound = new OutboundQueue();
        }
        outbound.addCopyOf(data);
        updateInterest();
        if (writable && outbound.bytes() > options.writeHighWatermark()) {
            writable = false;
            if (depth == 0) {
                settle();
            }
        }
    }

    @Override
    public boolean isWritable() {
        checkOwner("isWritable()");
        return writable;
    }

    @Override
    public long pendingWriteBytes() {
        checkOwner("pendingWriteBytes()");
        return outbound == null ? 0 : outbound.bytes();
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
        if (readsPaused) {
            // The pause was our choice; the peer's silence counts from now.
            lastReadNanos = loop.now();
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
    public boolean send(Object message) {
        if (closed) {
            return false;
        }
        loop.execute(() -> deliverMessage(message));
        return true;
    }

    @Override
    public Timer schedule(Duration delay, Object token) {
        checkOwner("schedule()");
        UserTimer timer = new UserTimer(token);
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
        idleNanos = timeout.toNanos();
        if (state == OPEN) {
            armIdleTimer();
        }
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
        if (outbound != null && !outbound.isEmpty()) {
            loop.schedule(lifecycleTimer, options.closeTimeout().toNanos());
        }
        if (depth == 0) {
            settle();
        }
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
                    closeListeners = new ArrayList<>(2);
                }
                closeListeners.add(closeListener);
                return;
            }
        }
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

    @Override
    public String toString() {
        return "connection " + id + " of listener '" + listener.name() + "' from " + peer;
    }

    // ---- readiness ----

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
            lastReadNanos = loop.now();
            buffer.flip();
            enter();
            try {
                protocol.onData(this, buffer);
            } catch (Throwable t) {
                crashed("onData", t);
            } finally {
                leave();
            }
            if (n < buffer.capacity()) {
                return;
            }
        }
    }

    private void flush() {
        if (outbound == null) {
            return;
        }
        boolean drained;
        try {
            drained = outbound.flush(session, channel);
        } catch (IOException e) {
            failed(e);
            return;
        }
        if (!writable && outbound.bytes() <= options.writeLowWatermark()) {
            writable = true;
        }
        if (drained) {
            updateInterest();
        }
        settle();
    }

    private void advanceHandshake() {
        HandshakeStatus status;
        try {
            status = session.handshake(channel);
        } catch (IOException e) {
            supervisor.recordHandshakeFailure();
            failed(e);
            return;
        }
        switch (status) {
            case DONE:
                state = OPEN;
                loop.cancel(lifecycleTimer);
                armIdleTimer();
                updateInterest();
                enter();
                try {
                    protocol.onHandshake(this);
                } catch (Throwable t) {
                    crashed("onHandshake", t);
                } finally {
                    leave();
                }
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

    // ---- callbacks from the loop's task queue and timers ----

    private void deliverMessage(Object message) {
        if (state == CLOSED || protocol == null) {
            return;
        }
        enter();
        try {
            protocol.onMessage(this, message);
        } catch (Throwable t) {
            crashed("onMessage", t);
        } finally {
            leave();
        }
    }

    private void deliverShutdown() {
        if (state >= CLOSING) {
            return;
        }
        if (protocol == null) {
            abortNow();
            return;
        }
        enter();
        try {
            protocol.onShutdown(this);
        } catch (Throwable t) {
            crashed("onShutdown", t);
        } finally {
            leave();
        }
    }

    private void abortNow() {
        if (state == CLOSED) {
            return;
        }
        state = CLOSING;
        abortRequested = true;
        if (depth == 0) {
            settle();
        }
    }

    // ---- the callback discipline ----

    private void enter() {
        depth++;
    }

    private void leave() {
        if (--depth == 0) {
            settle();
        }
    }

    /** Applies what callbacks asked for, now that none is running. Owner thread, depth 0. */
    private void settle() {
        if (state == CLOSED) {
            return;
        }
        if (abortRequested || (closeRequested && (outbound == null || outbound.isEmpty()))) {
            finish();
            return;
        }
        if (handshakeRequested) {
            handshakeRequested = false;
            advanceHandshake();
            return;
        }
        if (state == OPEN && reportedWritable != writable) {
            reportedWritable = writable;
            enter();
            try {
                protocol.onWritabilityChanged(this, writable);
            } catch (Throwable t) {
                crashed("onWritabilityChanged", t);
            } finally {
                leave();
            }
        }
    }

    private void crashed(String callback, Throwable t) {
        supervisor.recordCrash();
        LOG.warn("connection {} of listener '{}' crashed in {}; closing it", id, listener.name(), callback, t);
        if (state == CLOSED) {
            return;
        }
        closeCause = t;
        abortRequested = true;
        state = CLOSING;
    }

    private void failed(Throwable cause) {
        LOG.debug("connection {} of listener '{}' failed", id, listener.name(), cause);
        if (state == CLOSED) {
            return;
        }
        if (closeCause == null) {
            closeCause = cause;
        }
        abortRequested = true;
        state = CLOSING;
        if (depth == 0) {
            settle();
        }
    }

    /** Closes the socket, frees the slot and tells everyone, exactly once. Owner thread. */
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
            outbound = null;
            try {
                notifyClosed();
            } finally {
                // Last, so that a stop which waits for free slots also waits for every onClose,
                // and a protocol counting from init to onClose never sees more than maxConnections.
                supervisor.release(this);
            }
        }
    }

    private void cancelTimers() {
        loop.cancel(lifecycleTimer);
        loop.cancel(idleTimer);
        if (userTimers != null) {
            for (UserTimer timer : userTimers) {
                loop.cancel(timer);
            }
            userTimers = null;
        }
    }

    private void notifyClosed() {
        List<Consumer<Connection>> listeners;
        synchronized (this) {
            closed = true;
            listeners = closeListeners;
            closeListeners = null;
        }
        if (listeners != null) {
            for (Consumer<Connection> l : listeners) {
                try {
                    l.accept(this);
                } catch (Throwable t) {
                    LOG.warn("a close listener of connection {} threw", id, t);
                }
            }
        }
        if (protocol != null) {
            enter();
            try {
                protocol.onClose(this, closeCause);
            } catch (Throwable t) {
                crashed("onClose", t);
            } finally {
                leave();
            }
        }
    }

    // ---- helpers ----

    private void updateInterest() {
        if (key == null || state == CLOSED || state < OPEN) {
            return;
        }
        int ops = 0;
        if (state == OPEN && !readsPaused) {
            ops |= SelectionKey.OP_READ;
        }
        if (outbound != null && !outbound.isEmpty()) {
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

    private void armIdleTimer() {
        if (idleNanos > 0) {
            lastReadNanos = loop.now();
            loop.schedule(idleTimer, idleNanos);
        } else {
            loop.cancel(idleTimer);
        }
    }

    private void checkOwner(String operation) {
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

    /** Bounds the handshake while it runs, and a graceful close while it drains. */
    private final class LifecycleTimer extends TimerQueue.Entry {
        @Override
        protected void expire() {
            if (state < OPEN) {
                supervisor.recordHandshakeFailure();
                LOG.debug("connection {} of listener '{}': handshake not completed within {}",
                        id, listener.name(), options.handshakeTimeout());
                failed(new TimeoutException("handshake not completed within " + options.handshakeTimeout()));
            } else if (state == CLOSING) {
                failed(new TimeoutException("queued bytes not written within closeTimeout " + options.closeTimeout()));
            }
        }
    }

    /**
     * Fires {@code onIdle} after {@code idleNanos} without a read. Reads only stamp
     * {@code lastReadNanos}; the timer re-arms itself for the remainder when it finds recent
     * activity, so steady traffic never touches the timer queue.
     */
    private final class IdleTimer extends TimerQueue.Entry {
        @Override
        protected void expire() {
            if (state != OPEN || idleNanos <= 0) {
                return;
            }
            long now = loop.now();
            long quiet = now - lastReadNanos;
            if (readsPaused || quiet < idleNanos) {
                // Paused reads are our choice, not the peer's silence.
                loop.schedule(this, readsPaused ? idleNanos : idleNanos - quiet);
                return;
            }
            enter();
            try {
                protocol.onIdle(SocketConnection.this);
            } catch (Throwable t) {
                crashed("onIdle", t);
            } finally {
                leave();
            }
            if (state == OPEN && idleNanos > 0 && !isScheduled()) {
                armIdleTimer();
            }
        }
    }

    private final class UserTimer extends TimerQueue.Entry implements Timer {
        private final Object token;

        UserTimer(Object token) {
            this.token = token;
        }

        @Override
        public void cancel() {
            checkOwner("Timer.cancel()");
            loop.cancel(this);
            if (userTimers != null) {
                userTimers.remove(this);
            }
        }

        @Override
        public boolean isPending() {
            checkOwner("Timer.isPending()");
            return isScheduled();
        }

        @Override
        protected void expire() {
            userTimers.remove(this);
            if (state == CLOSED) {
                return;
            }
            enter();
            try {
                protocol.onTimeout(SocketConnection.this, token);
            } catch (Throwable t) {
                crashed("onTimeout", t);
            } finally {
                leave();
            }
        }
    }
}
