package dev.ranch.core.listener;

import dev.ranch.core.internal.listener.AcceptQueue;
import dev.ranch.core.internal.listener.AcceptedChannels;
import dev.ranch.core.internal.listener.AcceptorPool;
import dev.ranch.core.internal.listener.Alarms;
import dev.ranch.core.internal.listener.ConnectionSupervisor;
import dev.ranch.core.Connection;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.internal.ApiConstructors;
import dev.ranch.core.internal.connection.Admission;
import dev.ranch.core.internal.connection.SocketConnection;
import dev.ranch.core.internal.loop.EventLoop;
import dev.ranch.core.internal.loop.EventLoopGroup;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.tls.TlsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A named, bound port with its acceptor pool and connection supervisor. Obtain one from
 * {@code Ranch.startListener}; all its methods are thread-safe.
 *
 * <p>{@code numAcceptors} acceptor threads (named {@code ranch-<listener>-acceptor-<i>}) call
 * blocking {@code accept()} on the listen channel(s). Each accepted channel is configured on
 * the acceptor, counted against the connection limit, and handed to an event loop
 * through the loop's task queue; from then on that loop owns it.
 *
 * <p>What can change while running: {@link #setMaxConnections} applies at once;
 * {@link #setOptions} applies {@code maxConnections} at once, every per-connection option
 * (timeouts, socket options, watermarks, {@code atLimit}) to connections accepted afterwards,
 * and the listening options ({@code port}, {@code bindAddress}, {@code backlog},
 * {@code numAcceptors}, {@code numListenSockets}, {@code acceptRate}) at the next
 * {@link #resume()}; {@code numShards} is fixed at start. {@link #setProtocolFactory}
 * applies to connections accepted afterwards.
 */
public final class Listener {

    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);

    static {
        ApiConstructors.register(Listener::start);
    }

    /** How long a stop waits for aborted connections and acceptor threads before giving up. */
    private static final long ABORT_GRACE_MILLIS = 5000;

    private final String name;
    private final Transport transport;
    private final EventLoopGroup loops;
    private final ConnectionSupervisor supervisor;
    private final Consumer<Listener> onStopped;
    private final Object lifecycleLock = new Object();
    private final Alarms alarms = new Alarms(this, this::liveConnections);
    private final AcceptedChannels accepted = new Acceptance();
    private volatile ListenerOptions options;
    private volatile ProtocolFactory factory;
    private volatile ListenerState state = ListenerState.RUNNING;
    private volatile SocketAddress address;
    private SocketAddress resumeAddress;
    private AcceptorPool pool;
    /** Acceptor threads of the running pool; options may already hold the next resume's count. */
    private volatile int runningAcceptors;

    private Listener(String name, Transport transport, ListenerOptions options, ProtocolFactory factory,
                     EventLoopGroup loops, Consumer<Listener> onStopped) {
        this.name = name;
        this.transport = transport;
        this.options = options;
        this.factory = factory;
        this.loops = loops;
        this.onStopped = onStopped;
        int shards = options.numShards() > 0
                ? options.numShards()
                : Math.min(loops.size(), options.numAcceptors());
        this.supervisor = new ConnectionSupervisor(this, options.maxConnections(), shards);
    }

    /**
     * Binds and starts accepting. Called by {@code Ranch.startListener} (through
     * {@code ApiConstructors}), which also keeps names unique.
     *
     * @param onStopped called once the listener has stopped, on the stopping thread
     * @throws UncheckedIOException when the address cannot be bound
     * @throws UnsupportedOperationException when {@code reusePort} or {@code numListenSockets > 1}
     *     is asked for and the OS has no {@code SO_REUSEPORT}
     * @throws IllegalStateException when {@code inheritedChannel} is asked for and the process
     *     inherited no listening socket
     */
    private static Listener start(String name, Transport transport, ListenerOptions options, ProtocolFactory factory,
                                  EventLoopGroup loops, Consumer<Listener> onStopped) {
        Listener listener = new Listener(name, transport, options, factory, loops, onStopped);
        synchronized (listener.lifecycleLock) {
            listener.listen(requestedAddress(options));
        }
        LOG.debug("listener '{}' accepting on {} with {} acceptors", name, listener.address, options.numAcceptors());
        return listener;
    }

    private static SocketAddress requestedAddress(ListenerOptions options) {
        if (options.unixPath() != null) {
            return UnixDomainSocketAddress.of(options.unixPath());
        }
        return options.bindAddress() == null
                ? new InetSocketAddress(options.port())
                : new InetSocketAddress(options.bindAddress(), options.port());
    }

    /** Under lifecycleLock. */
    private void listen(SocketAddress requested) {
        pool = AcceptorPool.start(this, accepted, transport, requested, options, supervisor);
        runningAcceptors = options.numAcceptors();
        address = pool.address();
        // A resume binds the same port again, even when the kernel chose it.
        resumeAddress = address;
    }

    // ---- hand-off, from acceptor threads ----

    /**
     * Configures an accepted channel and gives it to a loop. Acceptor thread; the slot is
     * taken. Never throws: whatever fails, the channel is closed and the slot given back.
     */
    private void handOff(SocketChannel channel, int shard) {
        // Counting live connections sums a concurrent map's cells: only when an alarm needs it.
        if (startConnection(channel, shard, Admission.COUNTED) && !options.alarms().isEmpty()) {
            alarms.check(supervisor.activeConnections());
        }
    }

    /** A client arrived at the limit under {@code policy} CLOSE or REJECT. Acceptor thread. */
    private void refuse(SocketChannel channel, AtLimit policy) {
        supervisor.recordRefused();
        if (policy == AtLimit.REJECT) {
            startConnection(channel, -1, Admission.REJECTED);
        } else {
            closeQuietly(channel);
        }
    }

    /** Closes a channel accepted while stopping, before it got a slot. Acceptor thread. */
    private void dropUnserved(SocketChannel channel) {
        closeQuietly(channel);
    }

    private boolean startConnection(SocketChannel channel, int shard, Admission admission) {
        boolean counted = admission == Admission.COUNTED;
        SocketConnection connection = null;
        try {
            ListenerOptions current = options;
            transport.configureAccepted(channel, current);
            EventLoop loop = loops.next();
            connection = new SocketConnection(loops.nextConnectionId(), supervisor, shard, admission,
                    loop, channel, transport, factory, current);
            supervisor.started(connection, counted);
            loop.execute(connection::start);
            return true;
        } catch (IOException e) {
            // The client is usually gone already (reset before we configured its socket).
            LOG.debug("listener '{}' dropped a connection it could not configure", name, e);
        } catch (Throwable t) {
            LOG.warn("listener '{}' dropped a connection: handing it over failed", name, t);
        }
        closeQuietly(channel);
        boolean forgotten = connection != null && supervisor.release(connection, counted);
        if (counted && !forgotten) {
            supervisor.releaseSlot(shard);
        }
        return false;
    }

    // ---- what users see ----

    /** The listener's name, unique within its {@code Ranch}. */
    public String name() {
        return name;
    }

    /** The bound port (kept while suspended); 0 when the address has no port. */
    public int port() {
        return address instanceof InetSocketAddress ? ((InetSocketAddress) address).getPort() : 0;
    }

    /** The bound address (kept while suspended). */
    public SocketAddress address() {
        return address;
    }

    /** The current state. */
    public ListenerState state() {
        return state;
    }

    /** The current options. */
    public ListenerOptions options() {
        return options;
    }

    /** The transport connections of this listener use. */
    public Transport transport() {
        return transport;
    }

    /**
     * Makes connections accepted from now on present {@code context}'s certificate (a renewed
     * one, say); connections already open keep the session they negotiated, and none is
     * dropped. Any thread.
     *
     * @throws IllegalStateException when this listener's transport is not TLS
     */
    public void updateTls(SSLContext context) {
        if (!(transport instanceof TlsTransport)) {
            throw new IllegalStateException("listener " + name + " uses transport '" + transport.name()
                    + "', not TLS: nothing to update");
        }
        ((TlsTransport) transport).update(context);
    }

    /** The factory new connections get their protocol from. */
    public ProtocolFactory protocolFactory() {
        return factory;
    }

    /** A snapshot of the listener's state, limits and counters. Cheap enough to poll. */
    public ListenerInfo info() {
        ListenerState current = state;
        int acceptors = current == ListenerState.RUNNING ? runningAcceptors : options.numAcceptors();
        return new ListenerInfo(name, current, port(), transport.name(), acceptors,
                supervisor.maxConnections(), supervisor.activeConnections(), supervisor.allConnections(),
                supervisor.totalAccepted(), supervisor.totalRefused(), supervisor.handshakeFailures(),
                supervisor.crashes());
    }

    /**
     * Bytes read from the peers of this listener's connections since start, closed ones
     * included; never decreases. O(live connections); no loop is disturbed. Any thread.
     */
    public long bytesIn() {
        return supervisor.bytesIn();
    }

    /**
     * Bytes handed to the kernel for the peers of this listener's connections since start,
     * closed ones included; never decreases. O(live connections). Any thread.
     */
    public long bytesOut() {
        return supervisor.bytesOut();
    }

    /**
     * Connections waiting in the kernel's accept queue of the listen socket(s): handshaken,
     * not yet taken by an acceptor (they pile up while the listener is at its limit with
     * {@code AtLimit.WAIT}, or when the acceptors cannot keep up). Linux only, from
     * {@code /proc/net/tcp} and {@code /proc/net/tcp6}; {@code -1} on other systems, for a
     * Unix domain socket, and while suspended. Reads a few lines of two files. Any thread.
     */
    public long acceptQueueDepth() {
        return state == ListenerState.RUNNING ? AcceptQueue.depth(address) : -1;
    }

    /**
     * The lag of every event loop this listener's connections run on (all loops of its
     * {@code Ranch}, shared with its other listeners). Any thread.
     */
    public List<LoopLag> loopLags() {
        return loops.lags();
    }

    /** A snapshot of the live connections. O(connections); no loop is disturbed. */
    public List<ConnectionInfo> connections() {
        List<ConnectionInfo> infos = new ArrayList<>();
        for (SocketConnection connection : supervisor.liveConnections()) {
            infos.add(connection.snapshot());
        }
        return infos;
    }

    /** The live connections themselves, for alarms and tools that use thread-safe methods. */
    private List<Connection> liveConnections() {
        return new ArrayList<>(supervisor.liveConnections());
    }

    // ---- run-time control ----

    /**
     * Changes the connection limit now (0 or more, or {@link ListenerOptions#INFINITY}).
     * Raising it admits waiting clients at once; lowering it keeps existing connections and
     * admits new ones only below the new limit.
     *
     * @throws IllegalArgumentException for a negative limit
     */
    public void setMaxConnections(int max) {
        setOptions(options.toBuilder().maxConnections(max).build());
    }

    /**
     * Replaces the options; see the class documentation for when each takes effect.
     *
     * @throws IllegalArgumentException when {@code numShards} differs from the running value
     */
    public void setOptions(ListenerOptions next) {
        Objects.requireNonNull(next, "options");
        synchronized (lifecycleLock) {
            ListenerOptions previous = options;
            if (next.numShards() != previous.numShards()) {
                throw new IllegalArgumentException("numShards is fixed when listener '" + name + "' starts");
            }
            options = next;
            if (next.port() != previous.port() || !Objects.equals(next.bindAddress(), previous.bindAddress())
                    || !Objects.equals(next.unixPath(), previous.unixPath())) {
                resumeAddress = requestedAddress(next);
            }
            supervisor.setMaxConnections(next.maxConnections());
        }
    }

    /** Makes connections accepted from now on use {@code next}; existing ones keep theirs. */
    public void setProtocolFactory(ProtocolFactory next) {
        this.factory = Objects.requireNonNull(next, "factory");
    }

    /**
     * Stops listening but keeps serving: closes the listen channel(s), so new clients are
     * refused, and stops the acceptors; live connections go on. A no-op when suspended.
     *
     * @throws IllegalStateException when the listener is stopping or stopped
     */
    public void suspend() {
        synchronized (lifecycleLock) {
            if (state == ListenerState.SUSPENDED) {
                return;
            }
            requireRunning("suspend");
            state = ListenerState.SUSPENDED;
            stopPool();
        }
    }

    /**
     * Listens again on the same address and port (or on new ones given by
     * {@link #setOptions}) with the current options, and restarts the acceptors. A no-op when
     * running.
     *
     * @throws IllegalStateException when the listener is stopping or stopped
     * @throws UncheckedIOException when the address cannot be bound; it stays suspended
     * @throws IllegalStateException when it served an inherited channel, which the suspend
     *     closed for good; it stays suspended
     */
    public void resume() {
        synchronized (lifecycleLock) {
            if (state == ListenerState.RUNNING) {
                return;
            }
            if (state != ListenerState.SUSPENDED) {
                throw new IllegalStateException("listener '" + name + "' is " + state + " and cannot resume");
            }
            listen(resumeAddress);
            state = ListenerState.RUNNING;
        }
    }

    /**
     * Waits until the number of live connections (counted or not) satisfies
     * {@code condition} against {@code n}, as Ranch's {@code wait_for_connections}. Wakes on
     * every change instead of polling.
     *
     * @return whether it did before the timeout
     * @throws IllegalArgumentException when {@code n} is negative
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitConnections(CountCondition condition, int n, Duration timeout) throws InterruptedException {
        Objects.requireNonNull(condition, "condition");
        if (n < 0) {
            throw new IllegalArgumentException("n must not be negative, got " + n);
        }
        return supervisor.await(() -> condition.test(supervisor.allConnections(), n),
                timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Stops gracefully and returns once every connection is gone: closes the listen
     * channel(s) so new clients are refused, stops the acceptors, calls every connection's
     * {@code Protocol.onShutdown}, waits up to {@code shutdownTimeout} for them to close, then
     * aborts the rest. Idempotent; a concurrent caller waits for the first one to finish.
     * {@code Ranch.stopListener} calls this and forgets the name.
     *
     * @throws IllegalStateException when called from any connection's owner thread, which the stop
     *     would wait on; stop from another thread (or {@code send} a message to one)
     */
    public void stop() {
        drain(options.shutdownTimeout());
    }

    /**
     * {@link #stop()} with {@code timeout} as the grace period: refuses new connections at
     * once, lets in-flight work finish (each protocol's {@code onShutdown} says goodbye),
     * waits until every connection is gone or the timeout passes, aborts what is left, stops.
     *
     * @throws IllegalStateException when called from any connection's owner thread
     */
    public void drain(Duration timeout) {
        if (EventLoop.inAnyLoop()) {
            throw new IllegalStateException("listener '" + name + "' cannot be stopped from event loop thread '"
                    + Thread.currentThread().getName() + "': the stop waits for connections that this loop serves");
        }
        synchronized (lifecycleLock) {
            if (state == ListenerState.STOPPING || state == ListenerState.STOPPED) {
                return;
            }
            state = ListenerState.STOPPING;
            try {
                stopPool();
                for (SocketConnection connection : supervisor.liveConnections()) {
                    connection.shutdown();
                }
                if (!supervisor.awaitEmpty(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                    abortRemaining(timeout);
                }
            } catch (InterruptedException e) {
                // No time left to be graceful, but the promise stands: nothing stays open.
                for (SocketConnection connection : supervisor.liveConnections()) {
                    connection.abort();
                }
                Thread.currentThread().interrupt();
            } finally {
                state = ListenerState.STOPPED;
                onStopped.accept(this);
            }
        }
    }

    private void abortRemaining(Duration timeout) throws InterruptedException {
        List<SocketConnection> rest = supervisor.liveConnections();
        LOG.info("listener '{}': aborting {} connections still open after the shutdown timeout {}",
                name, rest.size(), timeout);
        for (SocketConnection connection : rest) {
            connection.abort();
        }
        if (!supervisor.awaitEmpty(ABORT_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
            LOG.warn("listener '{}': {} connections did not close; is a protocol callback blocking its loop?",
                    name, supervisor.allConnections());
        }
    }

    /** Under lifecycleLock. */
    private void stopPool() {
        if (pool == null) {
            return;
        }
        try {
            // A stopping listener sharing its port (reusePort) is handing it over to another
            // process: the clients already in its accept queue are taken, not reset.
            boolean handingOver = state == ListenerState.STOPPING && options.reusePort() && options.unixPath() == null;
            if (!pool.stop(ABORT_GRACE_MILLIS, TimeUnit.MILLISECONDS, handingOver)) {
                LOG.warn("listener '{}': some acceptor threads did not exit", name);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pool = null;
            // A Unix socket's file outlives its channel; without this a resume could not bind.
            // An inherited socket's file is the launcher's, which may hand it to the next process.
            if (!options.inheritedChannel()) {
                transport.unbind(address);
            }
        }
    }

    private void requireRunning(String operation) {
        if (state != ListenerState.RUNNING) {
            throw new IllegalStateException("listener '" + name + "' is " + state + " and cannot " + operation);
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed", channel, e);
        }
    }

    /** The acceptors' side of this listener, kept out of its public methods. */
    private final class Acceptance implements AcceptedChannels {
        @Override
        public void handOff(SocketChannel channel, int shard) {
            Listener.this.handOff(channel, shard);
        }

        @Override
        public void refuse(SocketChannel channel, AtLimit policy) {
            Listener.this.refuse(channel, policy);
        }

        @Override
        public void dropUnserved(SocketChannel channel) {
            Listener.this.dropUnserved(channel);
        }
    }

    @Override
    public String toString() {
        return "listener '" + name + "' on " + address;
    }
}
