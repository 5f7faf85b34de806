package dev.ranch.redis;

import dev.ranch.core.client.ReconnectPolicy;
import dev.ranch.core.transport.tls.TlsOptions;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Every option of a {@link RedisClient} or {@link RedisSubscriber}, each declared once in
 * {@link Builder} with its default and meaning. Immutable and thread-safe; build one with
 * {@link #builder()} or {@link #fromUri(String)}.
 */
public final class RedisOptions {

    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final int database;
    private final String clientName;
    private final RespVersion protocol;
    private final TlsOptions tls;
    private final ReconnectPolicy reconnectPolicy;
    private final Duration commandTimeout;
    private final int maxWaitingCommands;
    private final int maxBulkLength;
    private final int maxAggregateLength;
    private final int maxNesting;
    private final Consumer<RedisValue.PushReply> pushListener;

    private RedisOptions(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.username = b.username;
        this.password = b.password;
        this.database = b.database;
        this.clientName = b.clientName;
        this.protocol = b.protocol;
        this.tls = b.tls;
        this.reconnectPolicy = b.reconnectPolicy;
        this.commandTimeout = b.commandTimeout;
        this.maxWaitingCommands = b.maxWaitingCommands;
        this.maxBulkLength = b.maxBulkLength;
        this.maxAggregateLength = b.maxAggregateLength;
        this.maxNesting = b.maxNesting;
        this.pushListener = b.pushListener;
    }

    /** A builder with every option at its default (Redis on localhost:6379, RESP3, no password). */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Options from a URI: {@code redis://[[user]:password@]host[:port][/database]}, or
     * {@code rediss://...} for TLS with the JVM's default trust store, verifying the host name.
     * User and password are percent-decoded. Every other option is at its default; use
     * {@link #toBuilder()} to change more.
     *
     * @throws IllegalArgumentException when the URI is malformed, has another scheme, or a
     *     database that is not a number
     */
    public static RedisOptions fromUri(String uri) {
        URI parsed;
        try {
            parsed = new URI(Objects.requireNonNull(uri, "uri"));
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException("not a Redis URI: " + uri, e);
        }
        String scheme = parsed.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("a Redis URI starts with redis:// or rediss://, got " + uri);
        }
        String host = parsed.getHost();
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("no host in the Redis URI " + uri);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        Builder b = builder().host(host);
        if (parsed.getPort() >= 0) {
            b.port(parsed.getPort());
        }
        String userInfo = parsed.getRawUserInfo();
        if (userInfo != null) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                // redis://secret@host: the one word is the password, as redis-cli -u reads it.
                b.password(decode(userInfo));
            } else {
                String user = decode(userInfo.substring(0, colon));
                b.username(user.isEmpty() ? null : user).password(decode(userInfo.substring(colon + 1)));
            }
        }
        String path = parsed.getPath();
        if (path != null && path.length() > 1) {
            try {
                b.database(Integer.parseInt(path.substring(1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the database in a Redis URI is a number, got " + uri, e);
            }
        }
        if ("rediss".equals(scheme)) {
            try {
                b.tls(TlsOptions.clientBuilder(SSLContext.getDefault(), host).build());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no default TLS context", e);
            }
        }
        return b.build();
    }

    private static String decode(String part) {
        return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** A builder holding these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** See {@link Builder#host}. */
    public String host() { return host; }
    /** See {@link Builder#port}. */
    public int port() { return port; }
    /** See {@link Builder#username}; {@code null} when none. */
    public String username() { return username; }
    /** See {@link Builder#password}; {@code null} when none. */
    public String password() { return password; }
    /** See {@link Builder#database}. */
    public int database() { return database; }
    /** See {@link Builder#clientName}; {@code null} when none. */
    public String clientName() { return clientName; }
    /** See {@link Builder#protocol}. */
    public RespVersion protocol() { return protocol; }
    /** See {@link Builder#tls}; {@code null} for plain TCP. */
    public TlsOptions tls() { return tls; }
    /** See {@link Builder#reconnectPolicy}. */
    public ReconnectPolicy reconnectPolicy() { return reconnectPolicy; }
    /** See {@link Builder#commandTimeout}; zero means none. */
    public Duration commandTimeout() { return commandTimeout; }
    /** See {@link Builder#maxWaitingCommands}. */
    public int maxWaitingCommands() { return maxWaitingCommands; }
    /** See {@link Builder#maxBulkLength}. */
    public int maxBulkLength() { return maxBulkLength; }
    /** See {@link Builder#maxAggregateLength}. */
    public int maxAggregateLength() { return maxAggregateLength; }
    /** See {@link Builder#maxNesting}. */
    public int maxNesting() { return maxNesting; }
    /** See {@link Builder#pushListener}; {@code null} when none. */
    public Consumer<RedisValue.PushReply> pushListener() { return pushListener; }

    /** The server's socket address, resolved now. */
    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (tls == null ? "redis://" : "rediss://") + (username == null ? "" : username + "@")
                + host + ":" + port + "/" + database;
    }

    /** Collects options; each setter validates at once. Not thread-safe. */
    public static final class Builder {
        private String host = "localhost";
        private int port = 6379;
        private String username;
        private String password;
        private int database;
        private String clientName;
        private RespVersion protocol = RespVersion.RESP3;
        private TlsOptions tls;
        private ReconnectPolicy reconnectPolicy = ReconnectPolicy.exponential()
                .initialDelay(Duration.ofMillis(50)).maxDelay(Duration.ofSeconds(5)).build();
        private Duration commandTimeout = Duration.ofSeconds(5);
        private int maxWaitingCommands = 10_000;
        private int maxBulkLength = 512 * 1024 * 1024;
        private int maxAggregateLength = 16 * 1024 * 1024;
        private int maxNesting = 64;
        private Consumer<RedisValue.PushReply> pushListener;

        private Builder() {}

        private Builder(RedisOptions o) {
            host = o.host;
            port = o.port;
            username = o.username;
            password = o.password;
            database = o.database;
            clientName = o.clientName;
            protocol = o.protocol;
            tls = o.tls;
            reconnectPolicy = o.reconnectPolicy;
            commandTimeout = o.commandTimeout;
            maxWaitingCommands = o.maxWaitingCommands;
            maxBulkLength = o.maxBulkLength;
            maxAggregateLength = o.maxAggregateLength;
            maxNesting = o.maxNesting;
            pushListener = o.pushListener;
        }

        /** The server's host name or address, resolved at every connect. Default {@code localhost}. */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** The server's port, 1..65535. Default 6379. */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be in 1..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The ACL user to authenticate as (Redis 6+), with {@link #password}; {@code null} for
         * the {@code default} user. Default {@code null}.
         */
        public Builder username(String username) {
            this.username = username;
            return this;
        }

        /**
         * The password sent on every connect and reconnect (in {@code HELLO 3 AUTH}, or
         * {@code AUTH} under RESP2), before any call; {@code null} sends none. A password Redis
         * refuses stops the client: see {@link RedisConnectionException.Reason#SETUP_REFUSED}.
         * Default {@code null}.
         */
        public Builder password(String password) {
            this.password = password;
            return this;
        }

        /** The database selected ({@code SELECT}) on every connect and reconnect when not 0. Default 0. */
        public Builder database(int database) {
            if (database < 0) {
                throw new IllegalArgumentException("database must not be negative, got " + database);
            }
            this.database = database;
            return this;
        }

        /**
         * The connection's name in {@code CLIENT LIST} ({@code HELLO ... SETNAME}, or
         * {@code CLIENT SETNAME} under RESP2), set on every connect; no spaces. {@code null}
         * sets none. Default {@code null}.
         */
        public Builder clientName(String name) {
            if (name != null && (name.isEmpty() || name.chars().anyMatch(c -> c <= ' '))) {
                throw new IllegalArgumentException("a client name is non-empty without spaces, got \"" + name + "\"");
            }
            this.clientName = name;
            return this;
        }

        /**
         * The protocol to speak. {@link RespVersion#RESP3} sends {@code HELLO 3} and falls back
         * to RESP2 when the server does not know {@code HELLO} (Redis before 6);
         * {@link RespVersion#RESP2} never sends {@code HELLO}. Default RESP3.
         */
        public Builder protocol(RespVersion version) {
            this.protocol = Objects.requireNonNull(version, "protocol");
            return this;
        }

        /**
         * TLS client options ({@code TlsOptions.clientBuilder(context, serverName)}), or
         * {@code null} for plain TCP. Default {@code null}.
         *
         * @throws IllegalArgumentException when the options are a server's
         */
        public Builder tls(TlsOptions tls) {
            if (tls != null && !tls.isClient()) {
                throw new IllegalArgumentException("Redis over TLS needs client options: TlsOptions.clientBuilder");
            }
            this.tls = tls;
            return this;
        }

        /**
         * When to reconnect after a failed connect or a drop, and when to give up. Default:
         * 50 ms doubling to 5 s, 20 % jitter, never giving up, 5 s connect timeout.
         */
        public Builder reconnectPolicy(ReconnectPolicy policy) {
            this.reconnectPolicy = Objects.requireNonNull(policy, "reconnectPolicy");
            return this;
        }

        /**
         * How long a call may wait for its reply, counted from the call (time waiting for a
         * connection included); then it fails with
         * {@link RedisConnectionException.Reason#TIMED_OUT} and its late reply is discarded.
         * {@link Duration#ZERO} waits for ever. Default 5 s.
         */
        public Builder commandTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "commandTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("commandTimeout must not be negative, got " + timeout);
            }
            this.commandTimeout = timeout;
            return this;
        }

        /**
         * How many calls may wait while there is no connection; more fail at once with
         * {@link RedisConnectionException.Reason#QUEUE_FULL}. Default 10,000.
         */
        public Builder maxWaitingCommands(int max) {
            if (max < 0) {
                throw new IllegalArgumentException("maxWaitingCommands must not be negative, got " + max);
            }
            this.maxWaitingCommands = max;
            return this;
        }

        /**
         * The longest bulk string, verbatim string or line accepted from the server, in bytes;
         * a longer one is a protocol error that drops the connection (in-flight calls fail)
         * instead of exhausting memory. Default 512 MiB, Redis's own largest string.
         */
        public Builder maxBulkLength(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxBulkLength must be at least 1024, got " + bytes);
            }
            this.maxBulkLength = bytes;
            return this;
        }

        /**
         * The most elements an array, set or push (or entries a map) may announce; more is a
         * protocol error that drops the connection. Default 16,777,216.
         */
        public Builder maxAggregateLength(int elements) {
            if (elements < 16) {
                throw new IllegalArgumentException("maxAggregateLength must be at least 16, got " + elements);
            }
            this.maxAggregateLength = elements;
            return this;
        }

        /**
         * How deeply aggregates may nest in one reply; deeper is a protocol error that drops the
         * connection. Default 64.
         */
        public Builder maxNesting(int depth) {
            if (depth < 2) {
                throw new IllegalArgumentException("maxNesting must be at least 2, got " + depth);
            }
            this.maxNesting = depth;
            return this;
        }

        /**
         * Told of every RESP3 push a {@link RedisClient}'s connection receives (client-tracking
         * invalidations after {@code CLIENT TRACKING on}), on the connection's owner thread; must
         * not block, and an exception it throws is logged. Pushes are never taken for replies,
         * whether or not anyone listens. A {@link RedisSubscriber} hands its messages to its
         * {@link SubscriptionListener} instead. Default {@code null}: pushes are dropped.
         */
        public Builder pushListener(Consumer<RedisValue.PushReply> listener) {
            this.pushListener = listener;
            return this;
        }

        /** The options. */
        public RedisOptions build() {
            return new RedisOptions(this);
        }
    }
}
