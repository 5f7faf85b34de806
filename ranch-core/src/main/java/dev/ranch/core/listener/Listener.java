package dev.ranch.core.listener;

import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.connection.SocketConnection;
import dev.ranch.core.loop.EventLoop;
import dev.ranch.core.loop.EventLoopGroup;
import dev.ranch.core.transport.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A named, bound port with its acceptor pool and connection supervisor. Obtain one from
 * {@code Ranch.startListener}; all its methods are thread-safe.
 *
 * <p>{@code numAcceptors} acceptor threads (named {@code ranch-<listener>-acceptor-<i>}) call
 * blocking {@code accept()} on the listen channel(s). Each accepted channel is configured on
 * the acceptor, counted by the {@link ConnectionSupervisor}, and handed to an event loop
 * through the loop's task queue; from then on that loop owns it.
 */
public final class Listener {

    private static final Logger LOG = LoggerFactory.getLogger(Listener.class);

    /** How long a stop waits for aborted connections and acceptor threads before giving up. */
    private static final long ABORT_GRACE_MILLIS = 5000;

    private final String name;
    private final Transport transport;
    private final ListenerOptions options;
    private final ProtocolFactory factory;
    private final EventLoopGroup loops;
    private final ConnectionSupervisor supervisor;
    private final List<ServerSocketChannel> listenChannels;
    private final List<Thread> acceptors = new ArrayList<>();
    private final Consumer<Listener> onStopped;
    private final InetSocketAddress address;
    private final Object stopLock = new Object();
    private volatile ListenerState state = ListenerState.RUNNING;

    private Listener(String name, Transport transport, ListenerOptions options, ProtocolFactory factory,
                     EventLoopGroup loops, List<ServerSocketChannel> listenChannels, Consumer<Listener> onStopped)
            throws IOException {
        this.name = name;
        this.transport = transport;
        this.options = options;
        this.factory = factory;
        this.loops = loops;
        this.listenChannels = listenChannels;
        this.onStopped = onStopped;
        this.address = (InetSocketAddress) listenChannels.get(0).getLocalAddress();
        int shards = options.numConnsSups() > 0
                ? options.numConnsSups()
                : Math.min(loops.size(), options.numAcceptors());
        this.supervisor = new ConnectionSupervisor(options.maxConnections(), shards);
    }

    /**
     * Binds and starts accepting. Called by {@code Ranch.startListener}, which also keeps
     * names unique; use that instead.
     *
     * @param onStopped called once the listener has stopped, on the stopping thread
     * @throws UncheckedIOException when the address cannot be bound
     * @throws UnsupportedOperationException when {@code numListenSockets > 1} and the OS has
     *     no {@code SO_REUSEPORT}
     */
    public static Listener start(String name, Transport transport, ListenerOptions options, ProtocolFactory factory,
                                 EventLoopGroup loops, Consumer<Listener> onStopped) {
        List<ServerSocketChannel> channels = bind(name, transport, options);
        Listener listener;
        try {
            listener = new Listener(name, transport, options, factory, loops, channels, onStopped);
        } catch (IOException e) {
            closeAll(channels);
            throw new UncheckedIOException("listener '" + name + "' could not read its bound address", e);
        }
        listener.startAcceptors();
        LOG.debug("listener '{}' accepting on {} with {} acceptors", name, listener.address, options.numAcceptors());
        return listener;
    }

    private static List<ServerSocketChannel> bind(String name, Transport transport, ListenerOptions options) {
        List<ServerSocketChannel> channels = new ArrayList<>();
        InetSocketAddress requested = options.bindAddress() == null
                ? new InetSocketAddress(options.port())
                : new InetSocketAddress(options.bindAddress(), options.port());
        boolean reusePort = options.numListenSockets() > 1;
        SocketAddress address = requested;
        try {
            for (int i = 0; i < options.numListenSockets(); i++) {
                ServerSocketChannel channel = transport.listen(address, options.backlog(), reusePort);
                channels.add(channel);
                // Port 0 picks a port for the first channel only; the others must share it.
                address = channel.getLocalAddress();
            }
            return channels;
        } catch (IOException e) {
            closeAll(channels);
            throw new UncheckedIOException("listener '" + name + "' could not bind " + address + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(channels);
            throw e;
        }
    }

    private void startAcceptors() {
        AtomicLong lastWarning = new AtomicLong(System.nanoTime() - TimeUnit.SECONDS.toNanos(10));
        int sockets = listenChannels.size();
        for (int i = 0; i < options.numAcceptors(); i++) {
            // Socket i % L, preferred shard (i / L) % S: the acceptors of each socket spread
            // their first choice over the shards (any shard with room is taken when it is full).
            ServerSocketChannel channel = listenChannels.get(i % sockets);
            int shard = (i / sockets) % supervisor.shardCount();
            Acceptor acceptor = new Acceptor(this, channel, supervisor, shard, lastWarning);
            Thread thread = new Thread(acceptor, "ranch-" + name + "-acceptor-" + i);
            thread.setDaemon(true);
            acceptors.add(thread);
        }
        for (Thread thread : acceptors) {
            thread.start();
        }
    }

    /**
     * Configures an accepted channel and gives it to a loop. Acceptor thread; the slot is
     * taken. Never throws: whatever fails, the channel is closed and the slot given back.
     */
    void handOff(SocketChannel channel, int shard) {
        SocketConnection connection = null;
        try {
            transport.configureAccepted(channel, options);
            EventLoop loop = loops.next();
            connection = new SocketConnection(loops.nextConnectionId(), this, supervisor, shard,
                    loop, channel, transport, factory, options);
            supervisor.started(connection);
            loop.execute(connection::start);
        } catch (IOException e) {
            // The client is usually gone already (reset before we configured its socket).
            LOG.debug("listener '{}' dropped a connection it could not configure", name, e);
            drop(channel, shard, connection);
        } catch (Throwable t) {
            LOG.warn("listener '{}' dropped a connection: handing it over failed", name, t);
            drop(channel, shard, connection);
        }
    }

    private void drop(SocketChannel channel, int shard, SocketConnection started) {
        closeQuietly(channel);
        if (started == null || !supervisor.release(started)) {
            supervisor.releaseSlot(shard);
        }
    }

    /** Closes a channel accepted while stopping, before it got a slot. Acceptor thread. */
    void dropUnserved(SocketChannel channel) {
        closeQuietly(channel);
    }

    /** Whether acceptors should keep accepting. */
    boolean isAccepting() {
        return state == ListenerState.RUNNING;
    }

    /** The listener's name, unique within its {@code Ranch}. */
    public String name() {
        return name;
    }

    /** The bound port; the kernel's choice when the options asked for port 0. */
    public int port() {
        return address.getPort();
    }

    /** The bound address and port. */
    public InetSocketAddress address() {
        return address;
    }

    /** The current state. */
    public ListenerState state() {
        return state;
    }

    /** The options the listener was started with. */
    public ListenerOptions options() {
        return options;
    }

    /** The transport connections of this listener use. */
    public Transport transport() {
        return transport;
    }

    /** A snapshot of the listener's state, limits and counters. */
    public ListenerInfo info() {
        return new ListenerInfo(name, state, port(), transport.name(), options.numAcceptors(),
                supervisor.maxConnections(), supervisor.activeConnections(), supervisor.totalAccepted(),
                supervisor.handshakeFailures(), supervisor.crashes());
    }

    /**
     * Stops gracefully and returns once every connection is gone: closes the listen
     * channel(s) so new clients are refused, stops the acceptors, calls every connection's
     * {@code Protocol.onShutdown}, waits up to {@code shutdownTimeout} for them to close, then
     * aborts the rest. Idempotent; a concurrent caller waits for the first one to finish.
     * {@code Ranch.stopListener} calls this and forgets the name.
     *
     * @throws IllegalStateException when called from an event loop thread, which the stop
     *     would wait on; stop from another thread (or {@code send} a message to one)
     */
    public void stop() {
        if (EventLoop.inAnyLoop()) {
            throw new IllegalStateException("listener '" + name + "' cannot be stopped from event loop thread '"
                    + Thread.currentThread().getName() + "': the stop waits for connections that this loop serves");
        }
        synchronized (stopLock) {
            if (state != ListenerState.RUNNING) {
                return;
            }
            state = ListenerState.STOPPING;
            try {
                closeAll(listenChannels);
                stopAcceptors();
                for (SocketConnection connection : supervisor.liveConnections()) {
                    connection.shutdown();
                }
                if (!supervisor.awaitEmpty(options.shutdownTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    List<SocketConnection> rest = supervisor.liveConnections();
                    LOG.info("listener '{}': aborting {} connections still open after the shutdown timeout {}",
                            name, rest.size(), options.shutdownTimeout());
                    for (SocketConnection connection : rest) {
                        connection.abort();
                    }
                    if (!supervisor.awaitEmpty(ABORT_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
                        LOG.warn("listener '{}': {} connections did not close; is a protocol callback blocking its loop?",
                                name, supervisor.activeConnections());
                    }
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

    private void stopAcceptors() throws InterruptedException {
        // Acceptors in accept() saw the channel close; those parked on a shard need a nudge.
        for (Thread thread : acceptors) {
            thread.interrupt();
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ABORT_GRACE_MILLIS);
        for (Thread thread : acceptors) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
    }

    private static void closeAll(List<ServerSocketChannel> channels) {
        for (ServerSocketChannel channel : channels) {
            closeQuietly(channel);
        }
    }

    private static void closeQuietly(java.nio.channels.Channel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing {} failed", channel, e);
        }
    }

    @Override
    public String toString() {
        return "listener '" + name + "' on " + address;
    }
}
