package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.Timer;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.internal.loop.EventLoop;
import dev.ranch.core.internal.loop.Selectable;
import dev.ranch.core.proxy.ProxyHeader;
import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.TransportSession;
import dev.ranch.core.transport.tls.TlsInfo;
import dev.ranch.core.transport.tls.TlsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The {@link Connection} of an accepted socket, owned by one {@link EventLoop}.
 *
 * <p>This class is the owner-thread half: the state machine (PROXY_HEADER, NEW, HANDSHAKING,
 * OPEN, CLOSING, CLOSED) and the Connection calls that drive it. {@link ConnectionHandle} holds
 * the half any thread may touch, {@link ProtocolCalls} the protocol and the discipline of calling
 * it, {@link MailDelivery} the way messages reach it, {@link ConnectionTimers} the connection's
 * timers, {@link ReadPath} its reads and their pause, {@link WritePath} its writes and their
 * queue, {@link SelectorInterest} what the selector watches, and {@link Handshake} the steps from
 * accepted socket to open connection (PROXY header, transport handshake, STARTTLS). It is
 * created on an acceptor thread (or an outbound connector), which only constructs it and
 * queues {@link #start()} on the owner loop; from then on its fields are the owner's alone.
 *
 * <p>State changes asked for inside a callback (handshake, close, abort, a crossed watermark)
 * are recorded here and applied in {@link #settle()} once the outermost callback has returned
 * ({@link ProtocolCalls} counts them), so callbacks never nest and a protocol never sees
 * {@code onClose} while it is still inside {@code onData}.
 */
public final class SocketConnection extends ConnectionHandle implements Selectable {

    private static final Logger LOG = LoggerFactory.getLogger(SocketConnection.class);

    /** Reading a PROXY header; the protocol does not exist yet. */
    private static final int PROXY_HEADER = 0;
    private static final int NEW = 1;
    private static final int HANDSHAKING = 2;
    private static final int OPEN = 3;
    private static final int CLOSING = 4;
    private static final int CLOSED = 5;

    private final int shard;
    private final EventLoop loop;
    private final SocketChannel channel;
    private final ListenerOptions options;
    private final ConnectionTimers timers;
    private final Handshake handshake;
    private final boolean rejected;
    private final ProtocolCalls calls;
    private final MailDelivery mail;

    private TransportSession session;
    private int state = NEW;
    private final SelectorInterest interest = new SelectorInterest();
    private final WritePath writes;
    private final ReadPath reads;
    private boolean handshakeRequested;
    private boolean closeRequested;
    private boolean abortRequested;
    private Throwable closeCause;

    /**
     * Wraps an accepted, configured channel. Acceptor thread; does no I/O.
     *
     * @param owner who is told about the connection's life
     * @param shard the supervisor shard whose slot this connection holds; ignored unless
     *        {@code admission} is {@link Admission#COUNTED}
     * @param admission whether it holds a slot, was refused at the limit, or is outbound
     */
    public SocketConnection(long id, ConnectionOwner owner, int shard, Admission admission,
                            EventLoop loop, SocketChannel channel, Transport transport,
                            ProtocolFactory factory, ListenerOptions options) {
        super(id, owner, admission == Admission.COUNTED, channel);
        this.shard = shard;
        this.rejected = admission == Admission.REJECTED;
        this.loop = loop;
        this.channel = channel;
        this.options = options;
        this.calls = new ProtocolCalls(this, loop, factory, rejected);
        this.mail = new MailDelivery(this, loop, mailbox, calls);
        this.timers = new ConnectionTimers(this, loop, interest, options.idleTimeout(), options.sendTimeout());
        this.writes = new WritePath(this, channel, timers, options.writeHighWatermark(), options.writeLowWatermark());
        this.reads = new ReadPath(this, loop, channel, timers, interest, calls, options.readBudget());
        this.handshake = new Handshake(this, loop, channel, transport, interest, writes);
    }

    @Override
    long bytesOut() {
        return writes.bytesWritten();
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
        boolean proxied = options.proxyProtocol() != ProxyMode.OFF;
        // Armed first, so that whatever fails below, something still ends this connection.
        timers.boundPhase(proxied ? options.proxyHeaderTimeout() : options.handshakeTimeout());
        try {
            interest.registered(loop.register(channel, 0, this));
            if (proxied) {
                handshake.expectProxyHeader(options.proxyProtocol());
                state = PROXY_HEADER;
                interest.set(SelectionKey.OP_READ);
                return;
            }
            session = handshake.newSession(null);
        } catch (Throwable t) {
            forceClose(t);
            return;
        }
        calls.invoke(ProtocolCallback.INIT, null);
    }

    /**
     * Asks the protocol to wind down because the listener is stopping. A connection whose
     * handshake is not done closes at once instead: still reading its PROXY header it has no
     * protocol to ask, and before the handshake a protocol could not write its goodbye (a
     * write would throw and count as a crash). Any thread.
     */
    public void shutdown() {
        loop.execute(() -> {
            if (state < OPEN) {
                // Waiting would only hold the stop for a header, handshake or shutdown timeout.
                close();
            } else if (state < CLOSING) {
                calls.invoke(ProtocolCallback.SHUTDOWN, null);
            }
        });
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
    public Optional<TlsInfo> tls() {
        checkOwner("tls()");
        return Optional.ofNullable(session == null || handshake.isUpgrading() ? null : session.tlsInfo());
    }

    @Override
    public void startTls(TlsOptions tls) {
        checkOwner("startTls()");
        Objects.requireNonNull(tls, "tls");
        if (state != OPEN) {
            throw new IllegalStateException("connection " + id + ": startTls() needs an open connection");
        }
        if (session.tlsInfo() != null) {
            throw new IllegalStateException("connection " + id + " is already TLS");
        }
        state = HANDSHAKING;
        handshake.upgradeTo(tls);
        handshakeRequested = true;
        timers.boundPhase(options.handshakeTimeout());
        settleIfIdle();
    }

    @Override
    public void write(byte[] data) {
        write(ByteBuffer.wrap(data));
    }

    @Override
    public void write(ByteBuffer data) {
        if (canWrite()) {
            writes.write(data, null);
        }
    }

    @Override
    public void write(ByteBuffer... data) {
        if (canWrite()) {
            writes.write(null, data);
        }
    }

    @Override
    public void sendFile(FileChannel file, long position, long count) {
        if (canWrite()) {
            writes.sendFile(file, position, count);
        } else {
            WritePath.closeQuietly(file);
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

    @Override
    public boolean isWritable() {
        checkOwner("isWritable()");
        return writes.isWritable();
    }

    @Override
    public long pendingWriteBytes() {
        checkOwner("pendingWriteBytes()");
        return writes.pendingBytes();
    }

    @Override
    public void pauseReads() {
        checkReadControl("pauseReads()");
        reads.pause();
    }

    @Override
    public void resumeReads() {
        checkReadControl("resumeReads()");
        reads.resume();
    }

    @Override
    public boolean isReadPaused() {
        checkOwner("isReadPaused()");
        return interest.readsPaused();
    }

    @Override
    public Timer schedule(Duration delay, Object token) {
        checkOwner("schedule()");
        if (state == CLOSED) {
            return new UserTimer(this, token);
        }
        return timers.schedule(delay, token);
    }

    @Override
    public void setIdleTimeout(Duration timeout) {
        checkOwner("setIdleTimeout()");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("idle timeout must not be negative, got " + timeout);
        }
        timers.setIdleTimeout(timeout, state == OPEN);
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
        if (!writes.nothingToWrite()) {
            timers.boundPhase(options.closeTimeout());
        }
        settleIfIdle();
    }

    @Override
    public void removeFromCount() {
        checkOwner("removeFromCount()");
        if (state != CLOSED && uncount()) {
            owner.uncounted(this);
        }
    }

    // ---- Connection: any thread ----

    @Override
    void mailArrived() {
        mail.arrived();
    }

    @Override
    public void abort() {
        if (loop.inLoop()) {
            abortNow();
        } else {
            loop.execute(this::abortNow);
        }
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
                handshake.advance();
                return;
            }
            if (state == PROXY_HEADER) {
                handshake.readProxyHeader(loop.readBuffer());
                return;
            }
            if ((ready & SelectionKey.OP_WRITE) != 0 && writes.flush()) {
                updateInterest();
                settle();
            }
            if ((ready & SelectionKey.OP_READ) != 0) {
                reads.read();
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
        calls.resetDepth();
        finish();
    }

    // ---- hooks for the handshake ----

    /** The transport handshake is done: open the connection and tell the protocol. */
    void opened(boolean upgraded) {
        state = OPEN;
        timers.phaseDone();
        if (upgraded) {
            timers.startIdle();
            updateInterest();
            calls.invoke(ProtocolCallback.TLS_STARTED, null);
            reads.readBufferedIfAny();
            return;
        }
        if (rejected) {
            interest.pauseReads();
            calls.invoke(ProtocolCallback.REJECTED, null);
            close();
            return;
        }
        timers.startIdle();
        updateInterest();
        calls.invoke(ProtocolCallback.HANDSHAKE, null);
        reads.readBufferedIfAny();
    }

    /** The PROXY header is in: create the transport session (in front of it {@code rest}, if any) and the protocol. */
    void proxyHeaderRead(ByteBuffer rest) {
        state = NEW;
        interest.set(0);
        timers.boundPhase(options.handshakeTimeout());
        try {
            session = handshake.newSession(rest);
        } catch (Throwable t) {
            forceClose(t);
            return;
        }
        calls.invoke(ProtocolCallback.INIT, null);
    }

    /** The transport handshake failed: the owner counts it and the connection is aborted. Owner thread. */
    void handshakeFailed(Throwable cause) {
        owner.handshakeFailed(this);
        failed(cause);
    }

    /** Whether the transport handshake is under way. Owner thread. */
    boolean isHandshaking() {
        return state == HANDSHAKING;
    }

    /** The transport session in use (plain or TLS); {@code null} while a PROXY header is being read. Owner thread. */
    TransportSession session() {
        return session;
    }

    /** Replaces the session with the TLS one a STARTTLS made; the handshake goes on over it. Owner thread. */
    void session(TransportSession upgraded) {
        session = upgraded;
    }

    @Override
    public Optional<ProxyHeader> proxyHeader() {
        return Optional.ofNullable(handshake.proxyHeader());
    }

    // ---- hooks for the timers and the mail ----

    /** Whether the connection is open, so reads and the idle timeout apply. Owner thread. */
    boolean isOpenForReads() {
        return state == OPEN;
    }

    /** Whether the connection is closed for good: no callback but those of its close comes any more. Owner thread. */
    boolean isClosed() {
        return state == CLOSED;
    }

    /** The lifecycle timer expired: the handshake or a graceful close took too long. */
    void lifecycleTimedOut() {
        if (state == PROXY_HEADER) {
            owner.handshakeFailed(this);
            failed(new TimeoutException("PROXY header not received within " + options.proxyHeaderTimeout()));
        } else if (state < OPEN) {
            owner.handshakeFailed(this);
            LOG.debug("connection {} of {}: handshake not completed within {}",
                    id, owner.describe(), options.handshakeTimeout());
            failed(new TimeoutException("handshake not completed within " + options.handshakeTimeout()));
        } else if (state == CLOSING) {
            failed(new TimeoutException("queued bytes not written within closeTimeout " + options.closeTimeout()));
        }
    }

    /** Whether the send timeout has anything to watch: open, with bytes the kernel has not taken. */
    boolean isOpenWithOutputPending() {
        return state == OPEN && !writes.nothingToWrite();
    }

    /** The send timer saw pending output make no progress for a whole {@code sendTimeout}. */
    void sendTimedOut() {
        failed(new TimeoutException("queued output made no progress within sendTimeout " + options.sendTimeout()
                + "; the peer does not read"));
    }

    /** The idle timer saw no read for a whole idle timeout: the protocol hears {@code onIdle}. Owner thread. */
    void idleTimedOut() {
        calls.invoke(ProtocolCallback.IDLE, null);
    }

    /** A protocol's timer expired: the protocol hears {@code onTimeout} with its token unless the connection is closed. Owner thread. */
    void timerFired(UserTimer timer, Object token) {
        timers.fired(timer);
        if (state != CLOSED) {
            calls.invoke(ProtocolCallback.TIMEOUT, token);
        }
    }

    /** Cancels a protocol's timer. Owner thread; any other throws {@link IllegalStateException}. */
    void cancelTimer(UserTimer timer) {
        checkOwner("Timer.cancel()");
        timers.cancel(timer);
    }

    // ---- applying what callbacks asked for ----

    /** Applies what callbacks asked for now if no callback is running, else once the outermost returns. Owner thread. */
    void settleIfIdle() {
        if (calls.isIdle()) {
            settle();
        }
    }

    /** Applies what callbacks asked for, now that none is running. Owner thread, depth 0. */
    void settle() {
        if (state == CLOSED) {
            return;
        }
        if (abortRequested || (closeRequested && writes.nothingToWrite())) {
            finish();
        } else if (handshakeRequested) {
            handshakeRequested = false;
            handshake.advance();
        } else if (state == OPEN && writes.writabilityToReport()) {
            calls.invoke(ProtocolCallback.WRITABILITY, writes.isWritable());
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

    /** {@code callback} threw {@code t}: the connection is aborted with it as the cause. Owner thread. */
    void crashed(ProtocolCallback callback, Throwable t) {
        owner.crashed(this);
        LOG.warn("connection {} of {} crashed in {}; closing it", id, owner.describe(), callback.method, t);
        if (state == CLOSED) {
            return;
        }
        closeCause = t;
        abortRequested = true;
        state = CLOSING;
    }

    /** The socket failed (an I/O or handshake error): abort, with {@code cause} unless one came first. Owner thread. */
    void failed(Throwable cause) {
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
            timers.cancelAll();
            if (session != null && !abortRequested) {
                session.beforeClose(channel);
            }
        } catch (Throwable t) {
            LOG.debug("connection {}: transport failed while closing", id, t);
        } finally {
            interest.cancel();
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("closing connection {} failed", id, e);
            }
            // Files still queued are closed here; their bytes will never be sent.
            writes.discard();
            try {
                // Every message still in the mailbox, before onClose, which stays the last callback.
                markClosed(message -> calls.invoke(ProtocolCallback.UNDELIVERED, message));
                if (calls.hasProtocol()) {
                    calls.invoke(ProtocolCallback.CLOSE, closeCause);
                }
            } finally {
                // Last, so that a stop which waits for free slots also waits for every onClose,
                // and a protocol counting from init to onClose never sees more than maxConnections.
                owner.closed(this, isCounted());
            }
        }
    }

    // ---- helpers ----

    /**
     * Sets what the selector watches from the state: reads while open and not paused, writes
     * while bytes wait for the kernel. Owner thread.
     */
    void updateInterest() {
        if (interest.isRegistered() && state >= OPEN && state != CLOSED) {
            interest.update(state == OPEN, !writes.nothingToWrite());
        }
    }

    /** Throws {@link IllegalStateException} naming both threads when {@code operation} runs off the owner loop. */
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
}
