package dev.ranch.core;

import dev.ranch.core.client.OutboundConnection;
import dev.ranch.core.internal.ApiConstructors;
import dev.ranch.core.client.OutboundState;
import dev.ranch.core.client.ReconnectPolicy;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerInfo;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.listener.LoopLag;
import dev.ranch.core.internal.loop.EventLoop;
import dev.ranch.core.internal.loop.EventLoopGroup;
import dev.ranch.core.internal.management.ListenerManagement;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * A ranch: the event loops and the named listeners that share them. Create one per
 * application (there is no global state), start listeners on it, and {@link #close()} it
 * to stop everything. Thread-safe.
 *
 * <pre>{@code
 * try (Ranch ranch = Ranch.builder().eventLoops(2).build()) {
 *     Listener echo = ranch.startListener("echo", Transports.tcp(),
 *             ListenerOptions.builder().port(5555).build(), connection -> new EchoProtocol());
 *     ...
 * }
 * }</pre>
 */
public final class Ranch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Ranch.class);

    /** How long {@link #close()} waits for the loop threads to exit once every listener is stopped. */
    private static final long LOOP_EXIT_TIMEOUT_MILLIS = 10_000;

    private final EventLoopGroup loops;
    private final Map<String, Listener> listeners = new ConcurrentHashMap<>();
    private final Set<OutboundConnection> outbounds = ConcurrentHashMap.newKeySet();
    private final Object lifecycleLock = new Object();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean closed;

    private final boolean jmx;

    private Ranch(Builder builder) {
        this.loops = new EventLoopGroup(builder.eventLoops, builder.readBufferSize,
                builder.blockedThreshold.toNanos(), builder.loopLagInterval.toNanos());
        this.jmx = builder.jmx;
    }

    /** A ranch with every default: one event loop per available processor. */
    public static Ranch create() {
        return builder().build();
    }

    /** A builder for a ranch. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds a new listener and starts its acceptors.
     *
     * @param name unique among this ranch's running listeners; used in thread names and logs
     * @param transport how to listen and move bytes, e.g. {@code Transports.tcp()}
     * @param options port, limits, timeouts and socket options
     * @param protocolFactory creates one {@link Protocol} per accepted connection
     * @return the running listener
     * @throws IllegalStateException when a listener of that name is running or the ranch is closed
     * @throws IllegalArgumentException when {@code transport} is TLS with client options
     * @throws java.io.UncheckedIOException when the address cannot be bound
     */
    public Listener startListener(String name, Transport transport, ListenerOptions options,
                                  ProtocolFactory protocolFactory) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(protocolFactory, "protocolFactory");
        if (transport instanceof TlsTransport tls && tls.options().isClient()) {
            throw new IllegalArgumentException("listener '" + name + "' needs server TLS options: TlsOptions.builder(context)");
        }
        synchronized (lifecycleLock) {
            if (closed) {
                throw new IllegalStateException("this Ranch is closed; listener '" + name + "' cannot start");
            }
            if (listeners.containsKey(name)) {
                throw new IllegalStateException("a listener named '" + name + "' is already running; "
                        + "stop it first or choose another name");
            }
            ListenerManagement[] management = new ListenerManagement[1];
            Listener listener = ApiConstructors.listeners().start(name, transport, options, protocolFactory, loops, stopped -> {
                if (management[0] != null) {
                    management[0].unregister();
                }
                listeners.remove(stopped.name(), stopped);
            });
            if (jmx) {
                management[0] = ListenerManagement.register(listener);
            }
            listeners.put(name, listener);
            return listener;
        }
    }

    /**
     * Stops the named listener gracefully (see {@link Listener#stop()}) and returns once all
     * its connections are gone. The name is free again afterwards.
     *
     * @return {@code false} if no listener of that name is running
     * @throws IllegalStateException when called from any connection's owner thread
     */
    public boolean stopListener(String name) {
        Listener listener = listeners.get(name);
        if (listener == null) {
            return false;
        }
        listener.stop();
        return true;
    }

    /** The running listener of that name, if any. */
    public Optional<Listener> listener(String name) {
        return Optional.ofNullable(listeners.get(name));
    }

    /** A snapshot of the running listeners. */
    public Collection<Listener> listeners() {
        return List.copyOf(listeners.values());
    }

    /**
     * Opens an outbound connection to {@code address} on one of this ranch's loops, with the
     * same {@link Protocol} SPI as accepted connections, reconnecting by {@code policy}.
     *
     * @throws IllegalStateException when the ranch is closed
     */
    public OutboundConnection connect(SocketAddress address, ProtocolFactory protocolFactory, ReconnectPolicy policy) {
        return connect(address, protocolFactory, policy, null);
    }

    /**
     * As {@link #connect(SocketAddress, ProtocolFactory, ReconnectPolicy)}, telling
     * {@code stateListener} of every state change, on the connection's owner thread.
     */
    public OutboundConnection connect(SocketAddress address, ProtocolFactory protocolFactory, ReconnectPolicy policy,
                                      BiConsumer<OutboundConnection, OutboundState> stateListener) {
        return connect(address, Transports.tcp(), protocolFactory, policy, stateListener);
    }

    /**
     * As {@link #connect(SocketAddress, ProtocolFactory, ReconnectPolicy, BiConsumer)} over
     * {@code transport}: {@code Transports.tls(TlsOptions.clientBuilder(context, "host").build())}
     * for TLS, whose handshake runs when the protocol calls {@code handshake()} (the default
     * {@code init} does), bounded by the default {@code handshakeTimeout}. A failed handshake
     * counts toward the policy's attempts like a failed connect. {@code stateListener} may be
     * {@code null}.
     *
     * @throws IllegalStateException when the ranch is closed
     * @throws IllegalArgumentException when {@code transport} is TLS with server options
     */
    public OutboundConnection connect(SocketAddress address, Transport transport, ProtocolFactory protocolFactory,
                                      ReconnectPolicy policy,
                                      BiConsumer<OutboundConnection, OutboundState> stateListener) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(transport, "transport");
        if (transport instanceof TlsTransport tls && !tls.options().isClient()) {
            throw new IllegalArgumentException("an outbound TLS connection needs client options: "
                    + "TlsOptions.clientBuilder(context, serverName)");
        }
        Objects.requireNonNull(protocolFactory, "protocolFactory");
        Objects.requireNonNull(policy, "policy");
        synchronized (lifecycleLock) {
            if (closed) {
                throw new IllegalStateException("this Ranch is closed; cannot connect to " + address);
            }
            OutboundConnection outbound = ApiConstructors.outbound().start(loops, address, transport, protocolFactory, policy,
                    stateListener, outbounds::remove);
            outbounds.add(outbound);
            return outbound;
        }
    }

    /** A snapshot of every running listener's figures. */
    public List<ListenerInfo> info() {
        return listeners().stream().map(Listener::info).toList();
    }

    /** The number of event loops. */
    public int eventLoopCount() {
        return loops.size();
    }

    /**
     * Each event loop's latest lag, as its probe measured it (see
     * {@link Builder#loopLagInterval}). Any thread; reads a field per loop.
     */
    public List<LoopLag> loopLags() {
        return loops.lags();
    }

    /**
     * Stops every listener gracefully, in parallel, then the event loops, and returns once
     * their threads have exited. Idempotent: a second caller waits for the first to finish.
     *
     * @throws IllegalStateException when called from any connection's owner thread, which it would wait on
     */
    @Override
    public void close() {
        if (EventLoop.inAnyLoop()) {
            throw new IllegalStateException("a Ranch cannot be closed from its event loop thread '"
                    + Thread.currentThread().getName() + "'");
        }
        synchronized (lifecycleLock) {
            if (closed) {
                awaitClosed();
                return;
            }
            closed = true;
        }
        for (OutboundConnection outbound : List.copyOf(outbounds)) {
            outbound.close();
        }
        List<Thread> stoppers = new ArrayList<>();
        for (Listener listener : listeners()) {
            Thread stopper = new Thread(listener::stop, "ranch-stop-" + listener.name());
            stoppers.add(stopper);
            stopper.start();
        }
        try {
            for (Thread stopper : stoppers) {
                stopper.join();
            }
            for (OutboundConnection outbound : List.copyOf(outbounds)) {
                if (!outbound.awaitTermination(LOOP_EXIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                    LOG.warn("{} did not close in time", outbound);
                }
            }
            if (!loops.stop(LOOP_EXIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("some event loops did not exit within {} ms", LOOP_EXIT_TIMEOUT_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            terminated.countDown();
        }
    }

    private void awaitClosed() {
        try {
            terminated.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Options of a ranch; each setter documents its default. Not thread-safe. */
    public static final class Builder {
        private int eventLoops = Runtime.getRuntime().availableProcessors();
        private int readBufferSize = 64 * 1024;
        private boolean jmx = true;
        private Duration blockedThreshold = Duration.ofSeconds(2);
        private Duration loopLagInterval = Duration.ofSeconds(1);

        private Builder() {}

        /**
         * How long one loop callback (a protocol callback, a task, the timers of one turn) may
         * run before a watchdog thread logs a WARN naming the loop, the connection and its
         * listener, with the loop thread's stack, once per episode, and an INFO with the
         * duration when it returns. Every other connection of that loop waits meanwhile.
         * Default 2 s; {@link Duration#ZERO} turns the check off. Costs the loop one store per
         * callback; the watchdog wakes every quarter of the threshold.
         *
         * @throws IllegalArgumentException when negative
         */
        public Builder blockedThreshold(Duration threshold) {
            this.blockedThreshold = nonNegative("blockedThreshold", threshold);
            return this;
        }

        /**
         * How often each loop's lag is probed: the watchdog queues a task on every loop and the
         * loop records how long it waited to run, read by {@link Ranch#loopLags()} and
         * {@link Listener#loopLags()}. Default 1 s; {@link Duration#ZERO} turns probing off.
         * Costs one task and at most one selector wake-up per loop and interval.
         *
         * @throws IllegalArgumentException when negative
         */
        public Builder loopLagInterval(Duration interval) {
            this.loopLagInterval = nonNegative("loopLagInterval", interval);
            return this;
        }

        private static Duration nonNegative(String name, Duration value) {
            Objects.requireNonNull(value, name);
            if (value.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, got " + value);
            }
            return value;
        }

        /**
         * Whether each listener registers a {@code ListenerMXBean} as
         * {@code dev.ranch:type=Listener,name="<name>"} (the name quoted as
         * {@code ObjectName.quote} does) with the platform MBeanServer while it runs. Default
         * {@code true}.
         */
        public Builder jmx(boolean on) {
            this.jmx = on;
            return this;
        }

        /**
         * Event loop threads shared by all listeners. Default: one per processor the JVM may
         * use, {@link Runtime#availableProcessors()}, which counts only the cores left to the
         * process (its CPU affinity, its container's quota), not the cores other busy
         * processes on the machine take.
         *
         * <p>So where another process keeps cores busy beside the server (a load generator, a
         * proxy, a database), set it to the cores that are really left. Measured on a 2-core
         * machine with the load client on the same cores, the machine otherwise quiet, every
         * figure the mean of 4 alternating rounds ({@code benchmarks/scripts/kernel-compare.py}):
         * HTTP keep-alive over 100 connections, 1 loop served 71,800 requests/s at 12.6 us of
         * server CPU each, 2 loops 66,500 at 13.9 us; echo over 100 connections, 1 loop
         * 95,800 round trips/s at 2.07 system calls each, 2 loops 85,200 at 2.28 (one
         * {@code epoll_wait} per 15 round trips against one per 4). Pipelined HTTP (16
         * requests per read) did not settle: 1 loop led by 4 to 10% in that run, 2 loops by 9%
         * in the run before. Fewer loops find more ready channels per wake-up; more loops use
         * more cores.
         */
        public Builder eventLoops(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("eventLoops must be at least 1, got " + count);
            }
            this.eventLoops = count;
            return this;
        }

        /**
         * Size of each loop's read buffer, the most one {@code onData} call can carry.
         * Default 64 KiB. One per loop, not per connection.
         */
        public Builder readBufferSize(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("readBufferSize must be at least 1024, got " + bytes);
            }
            this.readBufferSize = bytes;
            return this;
        }

        /** Starts the event loops and returns the ranch. */
        public Ranch build() {
            return new Ranch(this);
        }
    }
}
