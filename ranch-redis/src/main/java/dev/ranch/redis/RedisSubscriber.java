package dev.ranch.redis;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.client.FifoClient;
import dev.ranch.redis.RedisConnectionException.Reason;
import dev.ranch.redis.internal.resp.CommandEncoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Redis pub/sub on a connection of its own (a subscribed connection takes no other
 * commands): messages go to one {@link SubscriptionListener} on the connection's owner thread.
 * It remembers what is subscribed and, after every reconnect, subscribes to all of it again
 * before telling the listener {@link SubscriptionListener#onResubscribed}; messages published
 * while it was disconnected are lost, as Redis pub/sub does not keep them.
 *
 * <p>The connection is set up as a {@link RedisClient}'s is ({@code HELLO 3} or RESP2, password,
 * name); under RESP3 every message and confirmation is a push frame, under RESP2 every frame
 * after the set-up is one. A refused set-up ends the subscriber
 * ({@link Reason#SETUP_REFUSED}).
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public final class RedisSubscriber implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSubscriber.class);

    private final RedisOptions options;
    private final SubscriptionListener listener;
    private final FifoClient<Object, RedisValue> fifo;
    // Changed on the loop thread only; concurrent so that channels() and patterns() may read them anywhere.
    private final Set<String> channels = ConcurrentHashMap.newKeySet();
    private final Set<String> patterns = ConcurrentHashMap.newKeySet();
    // Loop thread only.
    private final List<Pending> pending = new ArrayList<>();
    private final CommandEncoder encoder = new CommandEncoder();
    /** The connection once set up, for the subscription commands; {@code null} when there is none. */
    private Connection live;
    private boolean ready;
    private boolean wasReady;
    private Throwable ended;
    private volatile boolean connected;

    /** A request waiting for Redis to confirm each of its names ({@code subscribe} of each channel...). */
    private static final class Pending {
        final String kind;
        final Set<String> names;
        final CompletableFuture<Void> done;
        final Runnable then;

        Pending(String kind, Set<String> names, CompletableFuture<Void> done, Runnable then) {
            this.kind = kind;
            this.names = names;
            this.done = done;
            this.then = then;
        }
    }

    private RedisSubscriber(Ranch ranch, RedisOptions options, SubscriptionListener listener) {
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(ranch, "ranch");
        this.fifo = ConnectionSetup.connect(ranch, options, new ConnectionSetup(options), this::outOfBand,
                new FifoClient.Listener() {
                    @Override
                    public void ready(Connection connection) {
                        onReady(connection);
                    }

                    @Override
                    public void dropped(Throwable cause) {
                        onDropped(cause);
                    }

                    @Override
                    public void ended(Throwable failure) {
                        onEnded(failure);
                    }
                });
    }

    /**
     * Starts connecting and returns at once; subscriptions made before the connection is up
     * are sent when it is. Any thread.
     *
     * @throws IllegalStateException when the ranch is closed
     */
    public static RedisSubscriber connect(Ranch ranch, RedisOptions options, SubscriptionListener listener) {
        return new RedisSubscriber(ranch, options, listener);
    }

    /**
     * Subscribes to {@code channels} by name. Any thread.
     *
     * @return completes once Redis confirmed every channel (on a later connection if there is
     *     none now); fails with {@link RedisConnectionException} when the subscriber is closed
     *     or gave up first. Either way the channels stay in the set restored on reconnect until
     *     unsubscribed.
     * @throws IllegalArgumentException when {@code channels} is empty
     */
    public CompletableFuture<Void> subscribe(String... channels) {
        return change("subscribe", channels, true);
    }

    /** Subscribes to channels matching the glob {@code patterns}; see {@link #subscribe}. Any thread. */
    public CompletableFuture<Void> psubscribe(String... patterns) {
        return change("psubscribe", patterns, true);
    }

    /**
     * Unsubscribes from {@code channels} (none: from every channel); completes once Redis
     * confirmed, or at once when disconnected (nothing to undo then). Any thread.
     */
    public CompletableFuture<Void> unsubscribe(String... channels) {
        return change("unsubscribe", channels, false);
    }

    /** Unsubscribes from {@code patterns} (none: from every pattern); see {@link #unsubscribe}. Any thread. */
    public CompletableFuture<Void> punsubscribe(String... patterns) {
        return change("punsubscribe", patterns, false);
    }

    /** The channels subscribed by name now (as asked, confirmed or not). Any thread. */
    public Set<String> channels() {
        return Set.copyOf(channels);
    }

    /** The patterns subscribed now (as asked, confirmed or not). Any thread. */
    public Set<String> patterns() {
        return Set.copyOf(patterns);
    }

    /** Whether the connection is up with every subscription restored. Any thread. */
    public boolean isConnected() {
        return connected;
    }

    /** Stops reconnecting and closes the connection; pending subscriptions fail. Idempotent; any thread. */
    @Override
    public void close() {
        fifo.close();
    }

    /** Stops reading from Redis (as a stalled consumer would), for tests of Redis cutting slow subscribers. */
    void pauseReads() {
        fifo.execute(() -> {
            if (live != null) {
                live.pauseReads();
            }
        });
    }

    /** Reads again after {@link #pauseReads()}. */
    void resumeReads() {
        fifo.execute(() -> {
            if (live != null) {
                live.resumeReads();
            }
        });
    }

    @Override
    public String toString() {
        return "RedisSubscriber(" + options + ")";
    }

    // ---- any thread, then the loop ----

    private CompletableFuture<Void> change(String kind, String[] names, boolean add) {
        if (add && names.length == 0) {
            throw new IllegalArgumentException(kind + " needs at least one name");
        }
        for (String name : names) {
            Objects.requireNonNull(name, "a channel or pattern");
        }
        Set<String> set = new LinkedHashSet<>(List.of(names));
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!fifo.execute(() -> changeOnLoop(kind, set, add, done))) {
            done.completeExceptionally(new RedisConnectionException(Reason.CLOSED, "the ranch is closed", null));
        }
        return done;
    }

    private void changeOnLoop(String kind, Set<String> names, boolean add, CompletableFuture<Void> done) {
        if (ended != null) {
            done.completeExceptionally(ended);
            return;
        }
        Set<String> target = kind.startsWith("p") ? patterns : channels;
        if (add) {
            target.addAll(names);
        } else {
            if (names.isEmpty()) {
                names.addAll(target);
            }
            target.removeAll(names);
            if (!ready || names.isEmpty()) {
                // Disconnected: the next connection will not subscribe them, nothing else to undo.
                done.complete(null);
                return;
            }
        }
        pending.add(new Pending(kind, names, done, null));
        if (ready) {
            sendCommand(kind, names);
        }
    }

    // ---- loop thread ----

    private void sendCommand(String kind, Set<String> names) {
        String[] command = new String[names.size() + 1];
        command[0] = kind.toUpperCase(Locale.ROOT);
        int i = 1;
        for (String name : names) {
            command[i++] = name;
        }
        // Straight on the connection, not through the FIFO: Redis answers these out of band.
        live.write(encoder.encode(command));
    }

    private void onReady(Connection connection) {
        live = connection;
        ready = true;
        // Unsubscribes waiting from the last connection have nothing left to undo.
        for (Pending p : List.copyOf(pending)) {
            if (p.kind.endsWith("unsubscribe")) {
                pending.remove(p);
                p.done.complete(null);
            }
        }
        Set<String> restoredChannels = Set.copyOf(channels);
        Set<String> restoredPatterns = Set.copyOf(patterns);
        boolean reconnect = wasReady;
        wasReady = true;
        Runnable restored = () -> {
            connected = true;
            if (reconnect) {
                call(() -> listener.onResubscribed(restoredChannels, restoredPatterns));
            }
        };
        if (restoredChannels.isEmpty() && restoredPatterns.isEmpty()) {
            restored.run();
            return;
        }
        // The restore waits for a confirmation of every name, like any subscribe.
        if (!restoredChannels.isEmpty()) {
            sendCommand("subscribe", restoredChannels);
        }
        if (!restoredPatterns.isEmpty()) {
            sendCommand("psubscribe", restoredPatterns);
        }
        Set<String> all = new HashSet<>();
        restoredChannels.forEach(c -> all.add("subscribe " + c));
        restoredPatterns.forEach(p -> all.add("psubscribe " + p));
        pending.add(new Pending("restore", all, new CompletableFuture<>(), restored));
    }

    private void onDropped(Throwable cause) {
        live = null;
        ready = false;
        connected = false;
        // A restore in progress is redone from scratch on the next connection.
        pending.removeIf(p -> p.then != null);
        call(() -> listener.onDisconnected(cause));
    }

    private void onEnded(Throwable failure) {
        live = null;
        ready = false;
        connected = false;
        ended = failure;
        for (Pending p : pending) {
            p.done.completeExceptionally(failure);
        }
        pending.clear();
    }

    /** Takes every frame after the set-up; before it (ready is false) replies are the set-up's. */
    private boolean outOfBand(RedisValue value) {
        List<RedisValue> frame;
        if (value instanceof RedisValue.PushReply push) {
            frame = push.elements();
        } else if (ready && value instanceof RedisValue.ArrayReply array) {
            frame = array.elements();
        } else {
            return false;
        }
        try {
            dispatch(frame);
        } catch (RuntimeException e) {
            LOG.warn("{}: a frame it could not read: {}", this, value, e);
        }
        return true;
    }

    private void dispatch(List<RedisValue> frame) {
        if (frame.isEmpty()) {
            return;
        }
        String kind = frame.get(0).asText().toLowerCase(Locale.ROOT);
        switch (kind) {
            case "message" -> {
                if (frame.size() == 3) {
                    String channel = frame.get(1).asText();
                    byte[] message = frame.get(2).asBytes();
                    call(() -> listener.onMessage(channel, message));
                }
            }
            case "pmessage" -> {
                if (frame.size() == 4) {
                    String pattern = frame.get(1).asText();
                    String channel = frame.get(2).asText();
                    byte[] message = frame.get(3).asBytes();
                    call(() -> listener.onPatternMessage(pattern, channel, message));
                }
            }
            case "subscribe", "psubscribe", "unsubscribe", "punsubscribe" -> {
                if (frame.size() >= 2 && !frame.get(1).isNull()) {
                    confirmed(kind, frame.get(1).asText());
                }
            }
            default -> LOG.debug("{}: ignoring a {} frame", this, kind);
        }
    }

    private void confirmed(String kind, String name) {
        String restoreKey = kind + " " + name;
        for (int i = 0; i < pending.size(); i++) {
            Pending p = pending.get(i);
            boolean removed = p.then == null ? p.kind.equals(kind) && p.names.remove(name) : p.names.remove(restoreKey);
            if (removed && p.names.isEmpty()) {
                pending.remove(i--);
                if (p.then != null) {
                    p.then.run();
                }
                p.done.complete(null);
            }
        }
    }

    private void call(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            LOG.warn("the subscription listener of {} threw", this, e);
        }
    }
}
