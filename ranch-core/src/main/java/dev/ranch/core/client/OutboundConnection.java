package dev.ranch.core.client;

import dev.ranch.core.Connection;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.internal.ApiConstructors;
import dev.ranch.core.internal.connection.Admission;
import dev.ranch.core.internal.connection.ConnectionOwner;
import dev.ranch.core.internal.connection.SocketConnection;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.internal.loop.EventLoop;
import dev.ranch.core.internal.loop.EventLoopGroup;
import dev.ranch.core.internal.loop.Selectable;
import dev.ranch.core.internal.loop.TimerQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * A connection this side opens: a non-blocking connect on one event loop,
 * then the same {@link Connection} and {@code Protocol} SPI as accepted connections, and
 * reconnects with back-off by a {@link ReconnectPolicy} whenever the connect fails or the
 * connection drops, until it gives up or is closed. Create one with {@code Ranch.connect}.
 *
 * <p>All of its work runs on its event loop; {@link #state()}, {@link #connection()} and
 * {@link #close()} are safe from any thread. The state listener runs on the owner thread and
 * must not block.
 */
public final class OutboundConnection {

    static {
        ApiConstructors.register(OutboundConnection::new);
    }

    private static final Logger LOG = LoggerFactory.getLogger(OutboundConnection.class);

    private final SocketAddress address;
    private final Transport transport;
    private final ProtocolFactory factory;
    private final ReconnectPolicy policy;
    private final BiConsumer<OutboundConnection, OutboundState> stateListener;
    private final Consumer<OutboundConnection> onTerminated;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final EventLoop loop;
    private final EventLoopGroup loops;
    private final ListenerOptions options = ListenerOptions.defaults();
    private final Owner owner = new Owner();
    private final Backoff backoff = new Backoff();

    private volatile OutboundState state = OutboundState.CONNECTING;
    private volatile SocketConnection current;
    private Attempt attempt;
    private int failures;
    /** The live connection's handshake failed: its drop continues the run of failures. */
    private boolean handshakeFailed;
    private boolean closing;

    /**
     * Called by {@code Ranch.connect} (through {@code ApiConstructors}). Starts the first connect on a loop of {@code loops}.
     *
     * @param transport how bytes cross each connection: {@code Transports.tcp()}, or a TLS
     *     transport made with client options ({@code TlsOptions.clientBuilder})
     * @param stateListener told of every state change, on the owner thread; may be {@code null}
     * @param onTerminated called once on reaching {@link OutboundState#CLOSED} or
     *     {@link OutboundState#GAVE_UP}, on the owner thread
     */
    private OutboundConnection(EventLoopGroup loops, SocketAddress address, Transport transport, ProtocolFactory factory,
                               ReconnectPolicy policy, BiConsumer<OutboundConnection, OutboundState> stateListener,
                               Consumer<OutboundConnection> onTerminated) {
        this.loops = loops;
        this.loop = loops.next();
        this.address = address;
        this.transport = transport;
        this.factory = factory;
        this.policy = policy;
        this.stateListener = stateListener;
        this.onTerminated = onTerminated;
        loop.execute(this::connect);
    }

    /** The address it connects to. */
    public SocketAddress address() {
        return address;
    }

    /** The current state. Any thread. */
    public OutboundState state() {
        return state;
    }

    /** The live connection while {@link OutboundState#CONNECTED}. Any thread. */
    public Optional<Connection> connection() {
        return Optional.ofNullable(current);
    }

    /**
     * Stops reconnecting and closes the live connection gracefully (queued bytes are written).
     * Ends in {@link OutboundState#CLOSED}. Idempotent; any thread.
     */
    public void close() {
        loop.execute(this::closeOnLoop);
    }

    /**
     * Runs {@code task} on this connection's owner thread. Any thread.
     *
     * @return {@code false} if the loop is stopping and the task may never run
     */
    boolean loopExecute(Runnable task) {
        return loop.execute(task);
    }

    /** Whether the caller runs on this connection's owner thread. Any thread. */
    boolean inLoop() {
        return loop.inLoop();
    }

    /** Schedules {@code entry} on this connection's loop after {@code delayNanos}. Owner thread. */
    void loopSchedule(TimerQueue.Entry entry, long delayNanos) {
        loop.schedule(entry, delayNanos);
    }

    /** Cancels {@code entry} if scheduled. Owner thread. */
    void loopCancel(TimerQueue.Entry entry) {
        loop.cancel(entry);
    }

    /**
     * Waits until it is {@link OutboundState#CLOSED} or {@link OutboundState#GAVE_UP}.
     *
     * @return whether that happened within the timeout
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    @Override
    public String toString() {
        return "outbound to " + address + " (" + state + ")";
    }

    // ---- on the loop ----

    private void connect() {
        if (closing) {
            return;
        }
        setState(OutboundState.CONNECTING);
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, options.tcpNoDelay());
            if (channel.connect(address)) {
                connected(channel);
                return;
            }
            attempt = new Attempt(channel);
            attempt.key = loop.register(channel, SelectionKey.OP_CONNECT, attempt);
            loop.schedule(attempt, policy.connectTimeout().toNanos());
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            failed(e);
        }
    }

    private void connected(SocketChannel channel) {
        handshakeFailed = false;
        SocketConnection connection = new SocketConnection(loops.nextConnectionId(), owner, -1, Admission.OUTBOUND,
                loop, channel, transport, factory, options);
        current = connection;
        setState(OutboundState.CONNECTED);
        connection.start();
    }

    private void failed(Throwable cause) {
        attempt = null;
        current = null;
        if (closing) {
            setState(OutboundState.CLOSED);
            return;
        }
        failures++;
        if (policy.givesUpAfter(failures)) {
            LOG.debug("{}: giving up after {} failures", this, failures, cause);
            setState(OutboundState.GAVE_UP);
            return;
        }
        long delay = policy.delayNanos(failures);
        LOG.debug("{}: failure {}, retrying in {} ms", this, failures, delay / 1_000_000, cause);
        setState(OutboundState.BACKING_OFF);
        loop.schedule(backoff, delay);
    }

    private void closeOnLoop() {
        if (closing) {
            return;
        }
        closing = true;
        loop.cancel(backoff);
        if (attempt != null) {
            attempt.abandon();
        }
        SocketConnection connection = current;
        if (connection != null) {
            // Its close ends in Owner.closed, which sets CLOSED.
            connection.close();
            return;
        }
        if (state != OutboundState.GAVE_UP) {
            setState(OutboundState.CLOSED);
        }
    }

    private void setState(OutboundState next) {
        if (state == OutboundState.CLOSED || state == OutboundState.GAVE_UP) {
            // Final: nothing after the end, and the end is announced once.
            return;
        }
        state = next;
        if (stateListener != null) {
            try {
                stateListener.accept(this, next);
            } catch (RuntimeException e) {
                LOG.warn("the state listener of {} threw", this, e);
            }
        }
        if (next == OutboundState.CLOSED || next == OutboundState.GAVE_UP) {
            loop.cancel(backoff);
            onTerminated.accept(this);
            terminated.countDown();
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // Best effort.
        }
    }

    /** One non-blocking connect: readiness finishes it, the timer bounds it. */
    private final class Attempt extends TimerQueue.Entry implements Selectable {
        private final SocketChannel channel;
        private SelectionKey key;

        Attempt(SocketChannel channel) {
            this.channel = channel;
        }

        @Override
        public void onReady(SelectionKey readyKey) {
            if (attempt != this) {
                return;
            }
            try {
                if (!channel.finishConnect()) {
                    return;
                }
            } catch (IOException e) {
                abandon();
                failed(e);
                return;
            }
            loop.cancel(this);
            attempt = null;
            key.interestOps(0);
            connected(channel);
        }

        @Override
        public void forceClose(Throwable cause) {
            if (attempt == this) {
                abandon();
                failed(cause);
            }
        }

        @Override
        protected void expire() {
            if (attempt == this) {
                abandon();
                failed(new TimeoutException("connect to " + address + " took longer than " + policy.connectTimeout()));
            }
        }

        void abandon() {
            loop.cancel(this);
            if (key != null) {
                key.cancel();
            }
            closeQuietly(channel);
            if (attempt == this) {
                attempt = null;
            }
        }
    }

    /** The back-off timer: the next connect. */
    private final class Backoff extends TimerQueue.Entry {
        @Override
        protected void expire() {
            connect();
        }
    }

    /** What the live connection reports to. */
    private final class Owner implements ConnectionOwner {
        @Override
        public String describe() {
            return "outbound to " + address;
        }

        @Override
        public Listener listener() {
            return null;
        }

        @Override
        public void closed(SocketConnection connection, boolean counted) {
            if (current == connection) {
                if (!handshakeFailed) {
                    failures = 0;  // it was up: this drop starts a new run of failures
                }
                failed(null);
            }
        }

        @Override
        public void uncounted(SocketConnection connection) {
            // Outbound connections count against no limit.
        }

        @Override
        public void crashed(SocketConnection connection) {
            // Logged by the connection; the drop triggers a reconnect like any other.
        }

        @Override
        public void handshakeFailed(SocketConnection connection) {
            // A server that fails every handshake (a wrong certificate, say) must count toward
            // giving up like a refused connect; the drop that follows triggers the retry.
            if (current == connection) {
                handshakeFailed = true;
            }
        }
    }
}
