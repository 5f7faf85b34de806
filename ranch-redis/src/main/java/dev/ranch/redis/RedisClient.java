package dev.ranch.redis;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.client.FifoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;


import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A pipelining Redis client on one connection of a {@link Ranch}: every call is written at
 * once (calls made together share a write) and replies are matched to calls in order, so
 * many calls may be in flight. Redis's error replies fail their call with
 * {@link RedisErrorException} and the connection carries on; a call that gets no reply fails
 * with {@link RedisConnectionException} saying why. Reconnects by the options' policy, and
 * replays {@code HELLO}/{@code AUTH}/{@code SELECT}/{@code CLIENT SETNAME} before anything
 * waiting goes out.
 *
 * <p>Thread-safe: every method may be called from any thread. Futures complete on the
 * connection's owner thread, so a callback attached to one must not block.
 */
public final class RedisClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisClient.class);

    private final RedisOptions options;
    private final ConnectionSetup setup;
    private final FifoClient<Object, RedisValue> fifo;
    private volatile boolean connected;

    private RedisClient(Ranch ranch, RedisOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        Objects.requireNonNull(ranch, "ranch");
        this.setup = new ConnectionSetup(options);
        this.fifo = ConnectionSetup.connect(ranch, options, setup, this::push, new ConnectionState());
    }

    /** Takes RESP3 pushes (never replies) to the options' push listener. */
    private boolean push(RedisValue value) {
        if (!(value instanceof RedisValue.PushReply push)) {
            return false;
        }
        Consumer<RedisValue.PushReply> pushes = options.pushListener();
        if (pushes != null) {
            try {
                pushes.accept(push);
            } catch (RuntimeException e) {
                LOG.warn("the push listener of {} threw", this, e);
            }
        }
        return true;
    }

    /** Keeps {@link #isConnected()} and logs the end, on the owner thread. */
    private final class ConnectionState implements FifoClient.Listener {
        @Override
        public void ready(Connection connection) {
            connected = true;
        }

        @Override
        public void dropped(Throwable cause) {
            connected = false;
        }

        @Override
        public void ended(Throwable failure) {
            connected = false;
            if (failure instanceof RedisConnectionException e && e.reason() != RedisConnectionException.Reason.CLOSED) {
                LOG.error("{} stopped: {}", RedisClient.this, e.getMessage());
            }
        }
    }

    /**
     * Starts connecting to the server {@code options} name on one of {@code ranch}'s loops and
     * returns at once; calls made before the connection is up wait (up to
     * {@code maxWaitingCommands}). Any thread.
     *
     * @throws IllegalStateException when the ranch is closed
     */
    public static RedisClient connect(Ranch ranch, RedisOptions options) {
        return new RedisClient(ranch, options);
    }

    /** The options it was made with. */
    public RedisOptions options() {
        return options;
    }

    /** Whether a connection is up and set up (calls go out at once). Any thread. */
    public boolean isConnected() {
        return connected;
    }

    /**
     * The protocol version the connection settled on: RESP3 after a successful
     * {@code HELLO 3}, RESP2 when asked for or when the server refused {@code HELLO};
     * {@code null} before the first connection. Any thread.
     */
    public RespVersion protocol() {
        return setup.version();
    }

    /**
     * Sends the command {@code args} (name first, each argument UTF-8 encoded). Any thread.
     *
     * @return the reply; fails with {@link RedisErrorException} on an error reply, with
     *     {@link RedisConnectionException} when there is no reply
     * @throws IllegalArgumentException when {@code args} is empty, or names a command that
     *     puts the connection into a mode where replies no longer answer calls one for one
     *     ({@code SUBSCRIBE} and its kin, {@code MONITOR}): use {@link RedisSubscriber}
     */
    public CompletableFuture<RedisValue> command(String... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("a command has at least its name");
        }
        for (String arg : args) {
            Objects.requireNonNull(arg, "a command argument");
        }
        refuseModeChange(args[0]);
        return fifo.call(args.clone());
    }

    /**
     * Sends the command {@code args} (name first) as binary-safe bulk strings; see
     * {@link #command(String...)}. The arrays are read on the owner thread later: do not
     * modify them until the future completes.
     */
    public CompletableFuture<RedisValue> command(byte[]... args) {
        if (args.length == 0) {
            throw new IllegalArgumentException("a command has at least its name");
        }
        for (byte[] arg : args) {
            Objects.requireNonNull(arg, "a command argument");
        }
        if (args[0].length <= 12) {
            refuseModeChange(new String(args[0], StandardCharsets.ISO_8859_1));
        }
        return fifo.call(args.clone());
    }

    private static void refuseModeChange(String name) {
        switch (name.toUpperCase(Locale.ROOT)) {
            case "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR" ->
                    throw new IllegalArgumentException(name + " would make replies stop answering calls one for one: "
                            + "use RedisSubscriber for pub/sub");
            default -> {
            }
        }
    }

    /** {@code PUBLISH channel message}: the number of subscribers that received it (on this node). Any thread. */
    public CompletableFuture<Long> publish(String channel, byte[] message) {
        return command(utf8("PUBLISH"), utf8(channel), message).thenApply(RedisValue::asLong);
    }

    /** {@code GET key}: the value, or {@code null} when the key does not exist. Any thread. */
    public CompletableFuture<byte[]> get(String key) {
        return command("GET", key).thenApply(RedisValue::asBytes);
    }

    /** {@code SET key value}. Any thread. */
    public CompletableFuture<Void> set(String key, byte[] value) {
        return command(utf8("SET"), utf8(key), value).thenApply(reply -> null);
    }

    /** {@code SET key value}, the value UTF-8 encoded. Any thread. */
    public CompletableFuture<Void> set(String key, String value) {
        return command("SET", key, value).thenApply(reply -> null);
    }

    /** {@code INCR key}: the value after the increment. Any thread. */
    public CompletableFuture<Long> incr(String key) {
        return command("INCR", key).thenApply(RedisValue::asLong);
    }

    /** {@code DEL key...}: how many of the keys existed. Any thread. */
    public CompletableFuture<Long> del(String... keys) {
        String[] args = new String[keys.length + 1];
        args[0] = "DEL";
        System.arraycopy(keys, 0, args, 1, keys.length);
        return command(args).thenApply(RedisValue::asLong);
    }

    /** {@code PEXPIRE key millis}: whether the key exists (and now expires). Any thread. */
    public CompletableFuture<Boolean> expire(String key, Duration ttl) {
        return command("PEXPIRE", key, Long.toString(ttl.toMillis())).thenApply(RedisValue::asBoolean);
    }

    /** {@code HSET key field value}: 1 if the field is new, 0 if it was updated. Any thread. */
    public CompletableFuture<Long> hset(String key, String field, String value) {
        return command("HSET", key, field, value).thenApply(RedisValue::asLong);
    }

    /**
     * Stops reconnecting and closes the connection after the calls already written; calls
     * still waiting for a connection, and later calls, fail with
     * {@link RedisConnectionException.Reason#CLOSED}. Idempotent; any thread.
     */
    @Override
    public void close() {
        fifo.close();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "RedisClient(" + options + ")";
    }
}
