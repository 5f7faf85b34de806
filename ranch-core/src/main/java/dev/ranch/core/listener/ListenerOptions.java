package dev.ranch.core.listener;

import dev.ranch.core.proxy.ProxyMode;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every option of a listener, each declared once here with its default and meaning.
 * Immutable and thread-safe; build one with {@link #builder()}. {@link #defaults()} gives
 * a listener on a free port of every interface with Ranch's defaults.
 */
public final class ListenerOptions {

    /** The value of {@code maxConnections} that means no limit. */
    public static final int INFINITY = Integer.MAX_VALUE;

    private static final ListenerOptions DEFAULTS = builder().build();

    private final InetAddress bindAddress;
    private final Path unixPath;
    private final int port;
    private final int backlog;
    private final int numAcceptors;
    private final int numListenSockets;
    private final boolean reusePort;
    private final boolean inheritedChannel;
    private final int maxConnections;
    private final int numShards;
    private final Duration handshakeTimeout;
    private final ProxyMode proxyProtocol;
    private final Duration proxyHeaderTimeout;
    private final Duration shutdownTimeout;
    private final Duration closeTimeout;
    private final Duration idleTimeout;
    private final Duration sendTimeout;
    private final int readBudget;
    private final boolean tcpNoDelay;
    private final boolean keepAlive;
    private final int receiveBufferSize;
    private final int sendBufferSize;
    private final int lingerSeconds;
    private final int writeHighWatermark;
    private final int writeLowWatermark;
    private final AtLimit atLimit;
    private final int acceptRate;
    private final int acceptBurst;
    private final List<Alarm> alarms;

    private ListenerOptions(Builder b) {
        this.bindAddress = b.bindAddress;
        this.unixPath = b.unixPath;
        this.port = b.port;
        this.backlog = b.backlog;
        this.numAcceptors = b.numAcceptors;
        this.numListenSockets = b.numListenSockets;
        this.reusePort = b.reusePort;
        this.inheritedChannel = b.inheritedChannel;
        this.maxConnections = b.maxConnections;
        this.numShards = b.numShards;
        this.handshakeTimeout = b.handshakeTimeout;
        this.proxyProtocol = b.proxyProtocol;
        this.proxyHeaderTimeout = b.proxyHeaderTimeout;
        this.shutdownTimeout = b.shutdownTimeout;
        this.closeTimeout = b.closeTimeout;
        this.idleTimeout = b.idleTimeout;
        this.sendTimeout = b.sendTimeout;
        this.readBudget = b.readBudget;
        this.tcpNoDelay = b.tcpNoDelay;
        this.keepAlive = b.keepAlive;
        this.receiveBufferSize = b.receiveBufferSize;
        this.sendBufferSize = b.sendBufferSize;
        this.lingerSeconds = b.lingerSeconds;
        this.writeHighWatermark = b.writeHighWatermark;
        this.writeLowWatermark = b.writeLowWatermark;
        this.atLimit = b.atLimit;
        this.acceptRate = b.acceptRate;
        this.acceptBurst = b.acceptBurst;
        this.alarms = List.copyOf(b.alarms);
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** The options with every default: any interface, a free port. */
    public static ListenerOptions defaults() {
        return DEFAULTS;
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.bindAddress = bindAddress;
        b.unixPath = unixPath;
        b.port = port;
        b.backlog = backlog;
        b.numAcceptors = numAcceptors;
        b.numListenSockets = numListenSockets;
        b.reusePort = reusePort;
        b.inheritedChannel = inheritedChannel;
        b.maxConnections = maxConnections;
        b.numShards = numShards;
        b.handshakeTimeout = handshakeTimeout;
        b.proxyProtocol = proxyProtocol;
        b.proxyHeaderTimeout = proxyHeaderTimeout;
        b.shutdownTimeout = shutdownTimeout;
        b.closeTimeout = closeTimeout;
        b.idleTimeout = idleTimeout;
        b.sendTimeout = sendTimeout;
        b.readBudget = readBudget;
        b.tcpNoDelay = tcpNoDelay;
        b.keepAlive = keepAlive;
        b.receiveBufferSize = receiveBufferSize;
        b.sendBufferSize = sendBufferSize;
        b.lingerSeconds = lingerSeconds;
        b.writeHighWatermark = writeHighWatermark;
        b.writeLowWatermark = writeLowWatermark;
        b.atLimit = atLimit;
        b.acceptRate = acceptRate;
        b.acceptBurst = acceptBurst;
        b.alarms = new ArrayList<>(alarms);
        return b;
    }

    /** See {@link Builder#bindAddress}; {@code null} means every interface. */
    public InetAddress bindAddress() { return bindAddress; }
    /** See {@link Builder#unixPath}; {@code null} for an IP listener. */
    public Path unixPath() { return unixPath; }
    /** See {@link Builder#port}. */
    public int port() { return port; }
    /** See {@link Builder#backlog}. */
    public int backlog() { return backlog; }
    /** See {@link Builder#numAcceptors}. */
    public int numAcceptors() { return numAcceptors; }
    /** See {@link Builder#numListenSockets}. */
    public int numListenSockets() { return numListenSockets; }

    /** See {@link Builder#reusePort}. */
    public boolean reusePort() { return reusePort; }

    /** See {@link Builder#inheritedChannel}. */
    public boolean inheritedChannel() { return inheritedChannel; }
    /** See {@link Builder#maxConnections}; {@link #INFINITY} when unlimited. */
    public int maxConnections() { return maxConnections; }
    /** See {@link Builder#numShards}; 0 means one per event loop. */
    public int numShards() { return numShards; }
    /** See {@link Builder#handshakeTimeout}. */
    public Duration handshakeTimeout() { return handshakeTimeout; }
    /** See {@link Builder#proxyProtocol}. */
    public ProxyMode proxyProtocol() { return proxyProtocol; }
    /** See {@link Builder#proxyHeaderTimeout}. */
    public Duration proxyHeaderTimeout() { return proxyHeaderTimeout; }
    /** See {@link Builder#shutdownTimeout}. */
    public Duration shutdownTimeout() { return shutdownTimeout; }
    /** See {@link Builder#closeTimeout}. */
    public Duration closeTimeout() { return closeTimeout; }
    /** See {@link Builder#idleTimeout}; {@link Duration#ZERO} when off. */
    public Duration idleTimeout() { return idleTimeout; }
    /** See {@link Builder#sendTimeout}; {@link Duration#ZERO} when off. */
    public Duration sendTimeout() { return sendTimeout; }
    /** See {@link Builder#readBudget}. */
    public int readBudget() { return readBudget; }
    /** See {@link Builder#tcpNoDelay}. */
    public boolean tcpNoDelay() { return tcpNoDelay; }
    /** See {@link Builder#keepAlive}. */
    public boolean keepAlive() { return keepAlive; }
    /** See {@link Builder#receiveBufferSize}; 0 leaves the OS default. */
    public int receiveBufferSize() { return receiveBufferSize; }
    /** See {@link Builder#sendBufferSize}; 0 leaves the OS default. */
    public int sendBufferSize() { return sendBufferSize; }
    /** See {@link Builder#lingerSeconds}; negative leaves SO_LINGER off. */
    public int lingerSeconds() { return lingerSeconds; }
    /** See {@link Builder#writeHighWatermark}. */
    public int writeHighWatermark() { return writeHighWatermark; }
    /** See {@link Builder#writeLowWatermark}. */
    public int writeLowWatermark() { return writeLowWatermark; }
    /** See {@link Builder#atLimit}. */
    public AtLimit atLimit() { return atLimit; }
    /** See {@link Builder#acceptRate}; 0 when unlimited. */
    public int acceptRate() { return acceptRate; }
    /** See {@link Builder#acceptRate}. */
    public int acceptBurst() { return acceptBurst; }
    /** See {@link Builder#alarm}; immutable. */
    public List<Alarm> alarms() { return alarms; }

    /** Collects options; every setter validates its argument at once. Not thread-safe. */
    public static final class Builder {
        private InetAddress bindAddress;
        private Path unixPath;
        private int port = 0;
        private int backlog = 1024;
        private int numAcceptors = 10;
        private int numListenSockets = 1;
        private boolean reusePort;
        private boolean inheritedChannel;
        private int maxConnections = 1024;
        private int numShards = 0;
        private Duration handshakeTimeout = Duration.ofMillis(5000);
        private ProxyMode proxyProtocol = ProxyMode.OFF;
        private Duration proxyHeaderTimeout = Duration.ofMillis(5000);
        private Duration shutdownTimeout = Duration.ofMillis(5000);
        private Duration closeTimeout = Duration.ofMillis(5000);
        private Duration idleTimeout = Duration.ZERO;
        private Duration sendTimeout = Duration.ofSeconds(30);
        private int readBudget = 64 * 1024;
        private boolean tcpNoDelay = true;
        private boolean keepAlive = false;
        private int receiveBufferSize = 0;
        private int sendBufferSize = 0;
        private int lingerSeconds = -1;
        private int writeHighWatermark = 64 * 1024;
        private int writeLowWatermark = 32 * 1024;
        private AtLimit atLimit = AtLimit.WAIT;
        private int acceptRate = 0;
        private int acceptBurst = 1;
        private List<Alarm> alarms = new ArrayList<>();

        private Builder() {}

        /** Interface to bind. Default {@code null}: every interface. */
        public Builder bindAddress(InetAddress address) {
            this.bindAddress = address;
            return this;
        }

        /**
         * Socket file of a Unix domain socket listener ({@code Transports.unix()}); when set,
         * {@code bindAddress} and {@code port} are ignored. Default {@code null}. The file must
         * not exist; it is deleted when the listener stops.
         */
        public Builder unixPath(Path path) {
            this.unixPath = path;
            return this;
        }

        /** TCP port to bind, 0..65535. Default 0: the kernel picks a free port, see {@code Listener.port()}. */
        public Builder port(int port) {
            this.port = check(port, 0, 65535, "port");
            return this;
        }

        /** Length of the kernel's accept queue. Default 1024 (Ranch's). Capped by the OS (somaxconn). */
        public Builder backlog(int backlog) {
            this.backlog = check(backlog, 1, Integer.MAX_VALUE, "backlog");
            return this;
        }

        /** Acceptor threads blocking in {@code accept()}. Default 10 (Ranch's). */
        public Builder numAcceptors(int n) {
            this.numAcceptors = check(n, 1, 1024, "numAcceptors");
            return this;
        }

        /**
         * Listen channels bound to the same port with {@code SO_REUSEPORT}, so the kernel
         * spreads incoming connections across them; acceptor {@code i} uses channel
         * {@code i % numListenSockets}. Default 1. Must not exceed {@code numAcceptors};
         * values above 1 fail to start where the OS has no {@code SO_REUSEPORT}.
         */
        public Builder numListenSockets(int n) {
            this.numListenSockets = check(n, 1, 1024, "numListenSockets");
            return this;
        }

        /**
         * Binds the listen channel(s) with {@code SO_REUSEPORT} even when there is only one, so
         * that another process (the next version of this server) can bind the same port while
         * this one runs. Default {@code false}. Linux semantics: the kernel spreads new
         * connections across every socket bound to the port with it, by the same user, whatever
         * process holds them; a socket's accept queue is its own, and connections still in it
         * when the socket closes are reset (unless {@code net.ipv4.tcp_migrate_req} is 1, Linux
         * 5.14+), which is why a restart stops the old listener only once the new one is
         * listening, and why a graceful stop ({@code Listener.stop}, {@code drain}) of such a
         * listener first lets its acceptors take what waits in its queue, for at most a
         * second, until a reading of {@code /proc/net/tcp} finds it empty, and closes right
         * after: only a client arriving within that last reading (about a millisecond) is
         * still reset, none with {@code tcp_migrate_req} 1. BSDs and macOS let the port be shared but give new connections to the
         * last socket bound; where the platform has no {@code SO_REUSEPORT} (Windows), the
         * listener fails to start with an {@link UnsupportedOperationException} saying so.
         * Ignored with {@link #inheritedChannel} or a Unix socket path.
         */
        public Builder reusePort(boolean reuse) {
            this.reusePort = reuse;
            return this;
        }

        /**
         * Serves the listening TCP socket this process inherited instead of binding one: the
         * channel {@code System.inheritedChannel()} returns, which the JDK takes from file
         * descriptor 0 (systemd's {@code StandardInput=socket} with {@code Accept=no}, inetd's
         * {@code wait} mode, or any launcher that puts a listening socket on standard input).
         * Default {@code false}. {@code port}, {@code bindAddress}, {@code backlog} and
         * {@code reusePort} are then the launcher's business and ignored, and
         * {@code numListenSockets} must be 1. The JDK does not read systemd's
         * {@code LISTEN_FDS} (descriptors from 3 up). A suspend or stop closes the inherited
         * channel for good, so such a listener cannot resume; and closing it makes the JDK point
         * descriptors 0, 1 and 2 at {@code /dev/null} (inetd puts one socket on all three), so
         * whatever the process writes to standard output or error after its stop is lost: log
         * to a file or the journal's socket, not the console, if the last lines matter. The start fails with an
         * {@link IllegalStateException} when nothing was inherited or the inherited channel
         * is not a listening socket.
         */
        public Builder inheritedChannel(boolean inherited) {
            this.inheritedChannel = inherited;
            return this;
        }

        /**
         * Hard limit on the connections this listener serves at once, 0 or more, or
         * {@link #INFINITY}. Default 1024. Acceptors at the limit stop calling
         * {@code accept()}, so further clients wait in the kernel backlog; the count never
         * exceeds the limit.
         */
        public Builder maxConnections(int n) {
            this.maxConnections = check(n, 0, INFINITY, "maxConnections");
            return this;
        }

        /**
         * Shards of the connection supervisor's count, so acceptors do not contend on one
         * counter. Default 0: one per event loop, but no more than {@code numAcceptors}. The
         * {@code maxConnections} limit is split between shards (their shares add up to it
         * exactly); an acceptor takes slots from its own shard first and borrows from any
         * other shard with room, so the listener as a whole serves exactly up to the limit.
         * Must not exceed {@code numAcceptors}. Ranch calls this option {@code num_conns_sups}.
         */
        public Builder numShards(int n) {
            this.numShards = check(n, 0, 1024, "numShards");
            return this;
        }

        /**
         * Time from accept until the protocol has completed {@code Connection.handshake()}.
         * Default 5000 ms. A connection that takes longer is closed and its slot freed.
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout, "handshakeTimeout");
            return this;
        }

        /**
         * Whether each connection starts with a PROXY protocol header (v1 or v2) from a load
         * balancer, carrying the real client's address. Default {@link ProxyMode#OFF}. The
         * header is read before the protocol's {@code init}, so {@code Connection.peer()} is
         * already the client's; a header split across any number of packets is assembled; a
         * bad header closes the connection with one DEBUG line.
         */
        public Builder proxyProtocol(ProxyMode mode) {
            this.proxyProtocol = Objects.requireNonNull(mode, "proxyProtocol");
            return this;
        }

        /**
         * How long a connection may take to deliver its whole PROXY header, counted from its
         * hand-off to the loop; {@link #handshakeTimeout} starts after it. Default 5000 ms.
         */
        public Builder proxyHeaderTimeout(Duration timeout) {
            this.proxyHeaderTimeout = positive(timeout, "proxyHeaderTimeout");
            return this;
        }

        /**
         * Grace period of a graceful stop: how long {@code stopListener} waits, after every
         * protocol's {@code onShutdown}, for connections to close before it aborts the rest.
         * Default 5000 ms.
         */
        public Builder shutdownTimeout(Duration timeout) {
            this.shutdownTimeout = nonNegative(timeout, "shutdownTimeout");
            return this;
        }

        /**
         * How long {@code Connection.close()} waits for queued outbound bytes to reach the
         * kernel before it aborts the connection. Default 5000 ms.
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = positive(timeout, "closeTimeout");
            return this;
        }

        /**
         * A connection that receives no bytes for this long gets {@code Protocol.onIdle}
         * (which closes it by default). Default {@link Duration#ZERO}: off. A protocol can
         * change it per connection with {@code Connection.setIdleTimeout}.
         */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = nonNegative(timeout, "idleTimeout");
            return this;
        }

        /**
         * A connection whose queued outbound bytes make no progress for this long is closed
         * (aborted: what is queued is dropped, {@code Protocol.onClose} gets a
         * {@code TimeoutException}, one DEBUG line names the connection), so a peer that stops
         * reading cannot hold a connection and its queued bytes forever, whatever the
         * protocol. Only a stall counts: a peer that reads slowly but steadily is never cut.
         * The check runs once per period while output is pending, so a stalled connection is
         * closed between one and two periods after its last progress. Default 30 s (Ranch's
         * {@code send_timeout}): longer than TCP's retransmission back-off takes to ride out a
         * brief network outage, short enough that a stuck peer's bytes do not pile up for
         * minutes. {@link Duration#ZERO} turns it off. The graceful close after
         * {@code close()} is bounded by {@link #closeTimeout} instead.
         */
        public Builder sendTimeout(Duration timeout) {
            this.sendTimeout = nonNegative(timeout, "sendTimeout");
            return this;
        }

        /**
         * Most bytes one connection reads in one turn of its event loop before the loop moves
         * on to the other ready connections, its timers and its tasks, so that one fast sender
         * cannot monopolise a loop. At least one read is always made; reading stops once the
         * reads of the turn add up to this many bytes, and a connection with bytes left is
         * read again on the owner thread's next turn (the selector is level-triggered, so it reports
         * the socket again without being reminded). Default 64 KiB: one full read of the
         * default read buffer per turn; a protocol's work per callback is then bounded by
         * what it does with 64 KiB.
         */
        public Builder readBudget(int bytes) {
            this.readBudget = check(bytes, 1, Integer.MAX_VALUE, "readBudget");
            return this;
        }

        /** {@code TCP_NODELAY} on accepted sockets. Default {@code true}. */
        public Builder tcpNoDelay(boolean on) {
            this.tcpNoDelay = on;
            return this;
        }

        /** {@code SO_KEEPALIVE} on accepted sockets. Default {@code false}. */
        public Builder keepAlive(boolean on) {
            this.keepAlive = on;
            return this;
        }

        /** {@code SO_RCVBUF} of accepted sockets in bytes. Default 0: the OS default. */
        public Builder receiveBufferSize(int bytes) {
            this.receiveBufferSize = check(bytes, 0, Integer.MAX_VALUE, "receiveBufferSize");
            return this;
        }

        /** {@code SO_SNDBUF} of accepted sockets in bytes. Default 0: the OS default. */
        public Builder sendBufferSize(int bytes) {
            this.sendBufferSize = check(bytes, 0, Integer.MAX_VALUE, "sendBufferSize");
            return this;
        }

        /**
         * {@code SO_LINGER} of accepted sockets in seconds; 0 makes close send a reset.
         * Default -1: off.
         */
        public Builder lingerSeconds(int seconds) {
            this.lingerSeconds = check(seconds, -1, 65535, "lingerSeconds");
            return this;
        }

        /**
         * Queued outbound bytes above which a connection reports itself not writable
         * ({@code Protocol.onWritabilityChanged(false)}). Default 64 KiB.
         */
        public Builder writeHighWatermark(int bytes) {
            this.writeHighWatermark = check(bytes, 1, Integer.MAX_VALUE, "writeHighWatermark");
            return this;
        }

        /**
         * Queued outbound bytes at or below which a connection that was not writable
         * becomes writable again. Default 32 KiB. Must be below the high watermark.
         */
        public Builder writeLowWatermark(int bytes) {
            this.writeLowWatermark = check(bytes, 0, Integer.MAX_VALUE, "writeLowWatermark");
            return this;
        }

        /**
         * What to do with a new client while {@code maxConnections} are served. Default
         * {@link AtLimit#WAIT}: leave it in the kernel backlog, as Ranch does.
         */
        public Builder atLimit(AtLimit policy) {
            this.atLimit = Objects.requireNonNull(policy, "atLimit");
            return this;
        }

        /**
         * Accepts at most {@code perSecond} connections a second, listener-wide, after an
         * initial {@code burst}; acceptors wait (parked, not spinning) for their turn and
         * clients wait in the backlog meanwhile. Default 0: unlimited.
         */
        public Builder acceptRate(int perSecond, int burst) {
            this.acceptRate = check(perSecond, 0, 1_000_000_000, "acceptRate");
            this.acceptBurst = check(burst, 1, Integer.MAX_VALUE, "acceptBurst");
            return this;
        }

        /** Adds an alarm on the connection count; see {@link Alarm}. Default: none. Names must differ. */
        public Builder alarm(Alarm alarm) {
            Objects.requireNonNull(alarm, "alarm");
            for (Alarm a : alarms) {
                if (a.name().equals(alarm.name())) {
                    throw new IllegalArgumentException("an alarm named '" + alarm.name() + "' is already set");
                }
            }
            alarms.add(alarm);
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException when options contradict each other
         */
        public ListenerOptions build() {
            if (inheritedChannel && numListenSockets > 1) {
                throw new IllegalArgumentException("numListenSockets (" + numListenSockets
                        + ") must be 1 with inheritedChannel: a process inherits one listening socket");
            }
            if (numListenSockets > numAcceptors) {
                throw new IllegalArgumentException("numListenSockets (" + numListenSockets
                        + ") must not exceed numAcceptors (" + numAcceptors + "): each listen socket needs an acceptor");
            }
            if (numShards > numAcceptors) {
                throw new IllegalArgumentException("numShards (" + numShards
                        + ") must not exceed numAcceptors (" + numAcceptors
                        + "): a shard no acceptor prefers only adds contention");
            }
            if (writeLowWatermark >= writeHighWatermark) {
                throw new IllegalArgumentException("writeLowWatermark (" + writeLowWatermark
                        + ") must be below writeHighWatermark (" + writeHighWatermark + ")");
            }
            return new ListenerOptions(this);
        }

        private static int check(int value, int min, int max, String name) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
            }
            return value;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }

        private static Duration nonNegative(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, got " + d);
            }
            return d;
        }
    }
}
