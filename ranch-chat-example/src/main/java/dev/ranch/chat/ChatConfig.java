package dev.ranch.chat;

import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.redis.RedisOptions;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The settings of one chat server: the command line options plus a few limits that only
 * embedders (and tests) change. Immutable and thread-safe; build one with {@link #builder()}
 * or {@link #parse(String...)}.
 */
public final class ChatConfig {

    /** Default TCP port. */
    public static final int DEFAULT_PORT = 4040;
    /** Default HTTP port of the browser page ({@code /}) and its WebSocket ({@code /ws}). */
    public static final int DEFAULT_HTTP_PORT = 8080;
    /** Default longest line in bytes, without its terminator. */
    public static final int DEFAULT_MAX_LINE = 4096;
    /** Default outbound bytes a member may have queued before it is cut off as too slow. */
    public static final int DEFAULT_MAX_OUTBOUND = 1024 * 1024;
    /** Default lines a sender may have in flight before its reads are paused. */
    public static final int DEFAULT_MAX_LINES_IN_FLIGHT = 128;
    /** Default time between two heartbeats of a cluster node. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(1);
    /** Default time after its last heartbeat when a node's members no longer count. */
    public static final Duration DEFAULT_NODE_EXPIRY = Duration.ofSeconds(3);
    /** Longest node id, in characters. */
    public static final int MAX_NODE_ID = 64;

    /** The text {@code --help} prints. */
    public static final String USAGE = String.join("\n",
            "usage: java -jar ranch-chat-example.jar [options]",
            "",
            "A line chat: JOIN a room, then every line you send reaches the other members.",
            "",
            "options:",
            "  --port PORT               TCP port to listen on, 0 for any free port (default " + DEFAULT_PORT + ")",
            "  --http-port PORT          HTTP port of the browser chat (page at /, WebSocket at /ws),",
            "                            0 for any free port (default " + DEFAULT_HTTP_PORT + ")",
            "  --max-connections N       most clients served at once, on each port; more wait in the backlog (default 1024)",
            "  --acceptors N             acceptor threads (default 10)",
            "  --idle-timeout SECONDS    close clients silent for this long, 0 for never (default 300)",
            "  --max-line BYTES          longest line accepted; longer ones close the client (default "
                    + DEFAULT_MAX_LINE + ")",
            "  --proxy-protocol MODE     OFF, REQUIRED or OPTIONAL: whether connections on both ports start with",
            "                            a PROXY v1/v2 header from a load balancer such as HAProxy, so the log",
            "                            shows the real client addresses (default OFF)",
            "",
            "restarts (docs/deploy.md):",
            "  --reuse-port              bind both ports with SO_REUSEPORT, so a new version of the server can",
            "                            start on the same ports before this one stops (Linux)",
            "  --inherited-socket        serve the TCP chat port on the listening socket given as standard input",
            "                            (systemd StandardInput=socket, Accept=no) instead of binding --port",
            "",
            "cluster (several nodes share their rooms through Redis pub/sub):",
            "  --redis URI               redis://[:password@]host[:port][/db] of the Redis the nodes share;",
            "                            without it the server is alone (default: none)",
            "  --node-id ID              this node's name in the cluster, unique, 1-" + MAX_NODE_ID
                    + " of A-Z a-z 0-9 . _ : -",
            "                            (default: host name and process id)",
            "  --heartbeat-ms MILLIS     how often the node tells Redis its members (default "
                    + DEFAULT_HEARTBEAT.toMillis() + ")",
            "  --node-expiry-ms MILLIS   when a silent node's members stop counting in WHO, at least twice",
            "                            the heartbeat (default " + DEFAULT_NODE_EXPIRY.toMillis() + ")",
            "  --help                    print this help and exit",
            "");

    /** Options that take no value. */
    private static final Set<String> FLAGS = Set.of("--reuse-port", "--inherited-socket");
    private static final Set<String> OPTIONS =
            Set.of("--port", "--http-port", "--max-connections", "--acceptors", "--idle-timeout", "--max-line",
                    "--proxy-protocol", "--redis", "--node-id", "--heartbeat-ms", "--node-expiry-ms");

    private final int port;
    private final int httpPort;
    private final int maxConnections;
    private final int acceptors;
    private final Duration idleTimeout;
    private final int maxLine;
    private final int maxOutboundBytes;
    private final int maxLinesInFlight;
    private final Duration shutdownTimeout;
    private final int eventLoops;
    private final ProxyMode proxyProtocol;
    private final boolean reusePort;
    private final boolean inheritedSocket;
    private final String redis;
    private final String nodeId;
    private final Duration heartbeat;
    private final Duration nodeExpiry;

    private ChatConfig(Builder b) {
        this.port = b.port;
        this.httpPort = b.httpPort;
        this.maxConnections = b.maxConnections;
        this.acceptors = b.acceptors;
        this.idleTimeout = b.idleTimeout;
        this.maxLine = b.maxLine;
        this.maxOutboundBytes = b.maxOutboundBytes;
        this.maxLinesInFlight = b.maxLinesInFlight;
        this.shutdownTimeout = b.shutdownTimeout;
        this.eventLoops = b.eventLoops;
        this.proxyProtocol = b.proxyProtocol;
        this.reusePort = b.reusePort;
        this.inheritedSocket = b.inheritedSocket;
        this.redis = b.redis;
        // The host name may take a DNS lookup: only a cluster node needs it.
        this.nodeId = b.nodeId != null ? b.nodeId : b.redis != null ? defaultNodeId() : null;
        this.heartbeat = b.heartbeat;
        this.nodeExpiry = b.nodeExpiry;
    }

    /** A builder holding every default. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Parses command line options. {@code --help} anywhere yields {@code null}, meaning "print
     * {@link #USAGE} and exit".
     *
     * @throws UsageException naming the bad option and why
     */
    public static ChatConfig parse(String... args) throws UsageException {
        Builder b = builder();
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                return null;
            }
        }
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            String value = null;
            int eq = option.indexOf('=');
            if (option.startsWith("--") && eq > 0) {
                value = option.substring(eq + 1);
                option = option.substring(0, eq);
            }
            if (option.equals("--reuse-port")) {
                b.reusePort = true;
                continue;
            }
            if (option.equals("--inherited-socket")) {
                b.inheritedSocket = true;
                continue;
            }
            if (!OPTIONS.contains(option)) {
                throw new UsageException("unknown option '" + option + "'");
            }
            if (value == null && i + 1 < args.length) {
                value = args[++i];
            }
            switch (option) {
                case "--port":
                    b.port = number(option, value, 0, 65535);
                    break;
                case "--http-port":
                    b.httpPort = number(option, value, 0, 65535);
                    break;
                case "--max-connections":
                    b.maxConnections = number(option, value, 1, Integer.MAX_VALUE);
                    break;
                case "--acceptors":
                    b.acceptors = number(option, value, 1, 1024);
                    break;
                case "--idle-timeout":
                    b.idleTimeout = Duration.ofSeconds(number(option, value, 0, Integer.MAX_VALUE));
                    break;
                case "--max-line":
                    b.maxLine = number(option, value, 1, 16 * 1024 * 1024);
                    break;
                case "--proxy-protocol":
                    b.proxyProtocol = proxyMode(option, value);
                    break;
                case "--redis":
                    b.redis = argument(option, value, Builder::checkRedis);
                    break;
                case "--node-id":
                    b.nodeId = argument(option, value, Builder::checkNodeId);
                    break;
                case "--heartbeat-ms":
                    b.heartbeat = Duration.ofMillis(number(option, value, 10, 3_600_000));
                    break;
                case "--node-expiry-ms":
                    b.nodeExpiry = Duration.ofMillis(number(option, value, 20, 7_200_000));
                    break;
                default:
                    throw new AssertionError(option);
            }
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** A text option's value, checked by {@code check}, whose exception message becomes the usage error. */
    private static String argument(String option, String value, java.util.function.UnaryOperator<String> check)
            throws UsageException {
        if (value == null) {
            throw new UsageException(option + " needs a value");
        }
        try {
            return check.apply(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    private static int number(String option, String value, int min, int max) throws UsageException {
        if (value == null) {
            throw new UsageException(option + " needs a value");
        }
        long n;
        try {
            n = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new UsageException(option + " needs a whole number, got '" + value + "'");
        }
        if (n < min || n > max) {
            throw new UsageException(option + " must be between " + min + " and " + max + ", got " + value);
        }
        return (int) n;
    }

    private static ProxyMode proxyMode(String option, String value) throws UsageException {
        if (value == null) {
            throw new UsageException(option + " needs a value");
        }
        try {
            return ProxyMode.valueOf(value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + " must be OFF, REQUIRED or OPTIONAL, got '" + value + "'");
        }
    }

    /** TCP port; 0 lets the kernel choose. */
    public int port() {
        return port;
    }

    /** HTTP port of the browser chat; 0 lets the kernel choose. */
    public int httpPort() {
        return httpPort;
    }

    /** Most clients served at once, on the TCP port and (separately) on the HTTP port. */
    public int maxConnections() {
        return maxConnections;
    }

    /** Acceptor threads. */
    public int acceptors() {
        return acceptors;
    }

    /** Silence after which a client is told {@code BYE idle timeout}; zero for never. */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Longest line in bytes, without its terminator. */
    public int maxLine() {
        return maxLine;
    }

    /** Outbound bytes a member may have queued before it is cut off with {@code ERR too slow}. */
    public int maxOutboundBytes() {
        return maxOutboundBytes;
    }

    /** Lines a sender may have in flight (not yet handed to every receiver) before its reads pause. */
    public int maxLinesInFlight() {
        return maxLinesInFlight;
    }

    /** How long a stop waits for clients to take their {@code BYE} before closing them hard. */
    public Duration shutdownTimeout() {
        return shutdownTimeout;
    }

    /** Event loop threads; 0 means one per available processor. */
    public int eventLoops() {
        return eventLoops;
    }

    /** Whether connections on the TCP and HTTP ports start with a PROXY header; see {@link Builder#proxyProtocol}. */
    public ProxyMode proxyProtocol() {
        return proxyProtocol;
    }

    /** Whether both ports are bound with {@code SO_REUSEPORT}; see {@link Builder#reusePort}. */
    public boolean reusePort() {
        return reusePort;
    }

    /** Whether the TCP port is the inherited socket on standard input; see {@link Builder#inheritedSocket}. */
    public boolean inheritedSocket() {
        return inheritedSocket;
    }

    /** The Redis URI of the cluster, or {@code null} when the server is alone; see {@link Builder#redis}. */
    public String redis() {
        return redis;
    }

    /** This node's name in the cluster; {@code null} for a server alone that was given none. See {@link Builder#nodeId}. */
    public String nodeId() {
        return nodeId;
    }

    /** Time between two heartbeats of this node; see {@link Builder#heartbeat}. */
    public Duration heartbeat() {
        return heartbeat;
    }

    /** Time after a node's last heartbeat when its members stop counting; see {@link Builder#nodeExpiry}. */
    public Duration nodeExpiry() {
        return nodeExpiry;
    }

    /** The host name and the process id, such as {@code chat-3-41237}; {@code node-<pid>} without a usable host name. */
    static String defaultNodeId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._:-]", "");
        } catch (UnknownHostException e) {
            host = "";
        }
        String pid = Long.toString(ProcessHandle.current().pid());
        host = host.isEmpty() ? "node" : host.substring(0, Math.min(host.length(), MAX_NODE_ID - pid.length() - 1));
        return host + "-" + pid;
    }

    @Override
    public String toString() {
        return "max connections " + maxConnections + ", acceptors " + acceptors
                + ", idle timeout " + (idleTimeout.isZero() ? "off" : idleTimeout.getSeconds() + " s")
                + ", max line " + maxLine + " bytes"
                + (proxyProtocol == ProxyMode.OFF ? "" : ", PROXY protocol " + proxyProtocol)
                + (reusePort ? ", reuse port" : "") + (inheritedSocket ? ", inherited socket" : "")
                + (redis == null ? "" : ", cluster node " + nodeId + " through " + RedisOptions.fromUri(redis)
                        + ", heartbeat " + heartbeat.toMillis() + " ms, node expiry " + nodeExpiry.toMillis() + " ms");
    }

    /** Collects settings; each setter checks its argument and documents its default. Not thread-safe. */
    public static final class Builder {
        private int port = DEFAULT_PORT;
        private int httpPort = DEFAULT_HTTP_PORT;
        private int maxConnections = 1024;
        private int acceptors = 10;
        private Duration idleTimeout = Duration.ofSeconds(300);
        private int maxLine = DEFAULT_MAX_LINE;
        private int maxOutboundBytes = DEFAULT_MAX_OUTBOUND;
        private int maxLinesInFlight = DEFAULT_MAX_LINES_IN_FLIGHT;
        private Duration shutdownTimeout = Duration.ofSeconds(5);
        private int eventLoops = 0;
        private ProxyMode proxyProtocol = ProxyMode.OFF;
        private boolean reusePort;
        private boolean inheritedSocket;
        private String redis;
        private String nodeId;
        private Duration heartbeat = DEFAULT_HEARTBEAT;
        private Duration nodeExpiry = DEFAULT_NODE_EXPIRY;

        private Builder() {}

        /** TCP port, 0..65535; default 4040, 0 lets the kernel choose. */
        public Builder port(int port) {
            this.port = check(port, 0, 65535, "port");
            return this;
        }

        /**
         * HTTP port, 0..65535, of the browser page ({@code /}) and the chat over WebSocket
         * ({@code /ws}); default {@value ChatConfig#DEFAULT_HTTP_PORT}, 0 lets the kernel choose.
         */
        public Builder httpPort(int port) {
            this.httpPort = check(port, 0, 65535, "httpPort");
            return this;
        }

        /** Most clients served at once, on each of the TCP and HTTP ports; default 1024. */
        public Builder maxConnections(int n) {
            this.maxConnections = check(n, 1, Integer.MAX_VALUE, "maxConnections");
            return this;
        }

        /** Acceptor threads; default 10. */
        public Builder acceptors(int n) {
            this.acceptors = check(n, 1, 1024, "acceptors");
            return this;
        }

        /** Idle timeout; default 300 s, {@link Duration#ZERO} for never. */
        public Builder idleTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout must not be negative, got " + timeout);
            }
            this.idleTimeout = timeout;
            return this;
        }

        /** Longest line in bytes; default 4096. */
        public Builder maxLine(int bytes) {
            this.maxLine = check(bytes, 1, 16 * 1024 * 1024, "maxLine");
            return this;
        }

        /** Outbound bytes a member may have queued before {@code ERR too slow}; default 1 MiB. */
        public Builder maxOutboundBytes(int bytes) {
            this.maxOutboundBytes = check(bytes, 1, Integer.MAX_VALUE, "maxOutboundBytes");
            return this;
        }

        /** Lines a sender may have in flight before its reads pause; default 128. */
        public Builder maxLinesInFlight(int lines) {
            this.maxLinesInFlight = check(lines, 1, 1 << 20, "maxLinesInFlight");
            return this;
        }

        /** Grace period of a stop; default 5 s. */
        public Builder shutdownTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("shutdownTimeout must not be negative, got " + timeout);
            }
            this.shutdownTimeout = timeout;
            return this;
        }

        /** Event loop threads; default 0, one per available processor. */
        public Builder eventLoops(int n) {
            this.eventLoops = check(n, 0, 1024, "eventLoops");
            return this;
        }

        /**
         * Whether every connection on the TCP and the HTTP port starts with a PROXY protocol
         * header (v1 or v2) from a load balancer in front of the chat, which carries the real
         * client's address: {@link ProxyMode#REQUIRED} behind HAProxy's {@code send-proxy-v2}
         * (a connection without a valid header is closed), {@link ProxyMode#OPTIONAL} while
         * moving behind one (any client may then claim any address), {@link ProxyMode#OFF}
         * (the default) when clients connect directly. The address is the one the log names.
         */
        public Builder proxyProtocol(ProxyMode mode) {
            this.proxyProtocol = Objects.requireNonNull(mode, "proxyProtocol");
            return this;
        }

        /**
         * Binds the TCP and HTTP ports with {@code SO_REUSEPORT} ({@code ListenerOptions.reusePort}),
         * so that a new version of the server can bind them while this one still serves, and
         * this one then drains on SIGTERM: the restart of {@code scripts/restart.sh}. Default
         * {@code false}.
         */
        public Builder reusePort(boolean reuse) {
            this.reusePort = reuse;
            return this;
        }

        /**
         * Serves the TCP chat port on the listening socket the process inherited as standard
         * input ({@code ListenerOptions.inheritedChannel}; systemd's {@code StandardInput=socket}
         * with {@code Accept=no}) instead of binding {@link #port}. Default {@code false}.
         */
        public Builder inheritedSocket(boolean inherited) {
            this.inheritedSocket = inherited;
            return this;
        }

        /**
         * The Redis that makes this server one node of a cluster, as
         * {@code redis://[[user]:password@]host[:port][/db]} ({@code rediss://} for TLS): every
         * room then spans all the nodes that name the same Redis and database. A line said on one
         * node reaches the room's members on every other node once, in the order it was said
         * there; {@code WHO} counts the members of every live node. The nodes share one Redis
         * pub/sub channel per database, so the database number also keeps two clusters on one
         * Redis apart. Default {@code null}: the server is alone and Redis is never contacted.
         *
         * @throws IllegalArgumentException when the URI is malformed
         */
        public Builder redis(String uri) {
            this.redis = uri == null ? null : checkRedis(uri);
            return this;
        }

        /**
         * This node's name in the cluster: on every line it publishes (so it can drop its own
         * when they come back) and in the Redis key holding its members. Must differ from every
         * other node's; 1 to {@value ChatConfig#MAX_NODE_ID} characters of {@code A-Z a-z 0-9 . _ : -}.
         * Default: the host name, a dash and the process id.
         *
         * @throws IllegalArgumentException when the id is empty, too long or has other characters
         */
        public Builder nodeId(String id) {
            this.nodeId = checkNodeId(Objects.requireNonNull(id, "id"));
            return this;
        }

        /**
         * How often a cluster node writes its member counts to Redis (with the
         * {@link #nodeExpiry} as their time to live) and reads the other nodes'. A member who
         * joins elsewhere shows in {@code WHO} here within about two heartbeats. Default 1 s.
         */
        public Builder heartbeat(Duration interval) {
            this.heartbeat = positive(interval, "heartbeat");
            return this;
        }

        /**
         * How long a node's member counts live in Redis after its last heartbeat: the members of
         * a node that died (or lost Redis) leave every other node's {@code WHO} within this plus
         * one heartbeat. At least twice the {@link #heartbeat}, so one late heartbeat does not
         * make a live node vanish. Default 3 s.
         */
        public Builder nodeExpiry(Duration expiry) {
            this.nodeExpiry = positive(expiry, "nodeExpiry");
            return this;
        }

        /**
         * The settings.
         *
         * @throws IllegalArgumentException when the node expiry is under twice the heartbeat
         */
        public ChatConfig build() {
            if (nodeExpiry.compareTo(heartbeat.multipliedBy(2)) < 0) {
                throw new IllegalArgumentException("the node expiry (" + nodeExpiry.toMillis()
                        + " ms) must be at least twice the heartbeat (" + heartbeat.toMillis() + " ms)");
            }
            return new ChatConfig(this);
        }

        private static String checkRedis(String uri) {
            RedisOptions.fromUri(uri);
            return uri;
        }

        private static String checkNodeId(String id) {
            if (id.isEmpty() || id.length() > MAX_NODE_ID || !id.matches("[A-Za-z0-9._:-]+")) {
                throw new IllegalArgumentException("a node id is 1 to " + MAX_NODE_ID
                        + " characters of A-Z a-z 0-9 . _ : -, got '" + id + "'");
            }
            return id;
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }

        private static int check(int value, int min, int max, String name) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
            }
            return value;
        }
    }

    /** A bad command line; the message says which option and why. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        /** An error with a message fit to print after {@code error: }. */
        public UsageException(String message) {
            super(message);
        }
    }
}
