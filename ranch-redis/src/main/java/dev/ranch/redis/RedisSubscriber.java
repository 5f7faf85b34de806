package dev.ranch.redis;

import dev.ranch.core.Ranch;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Redis pub/sub on a connection of its own (a subscribed connection takes no other
 * commands): messages go to one {@link SubscriptionListener} on the connection's loop thread.
 * It remembers what is subscribed and, after every reconnect, subscribes to all of it again
 * before telling the listener {@link SubscriptionListener#onResubscribed}; messages published
 * while it was disconnected are lost, as Redis pub/sub does not keep them.
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public final class RedisSubscriber implements AutoCloseable {

    private final RedisOptions options;
    private final SubscriptionListener listener;

    private RedisSubscriber(Ranch ranch, RedisOptions options, SubscriptionListener listener) {
        this.options = Objects.requireNonNull(options, "options");
        this.listener = Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(ranch, "ranch");
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
     */
    public CompletableFuture<Void> subscribe(String... channels) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Subscribes to channels matching the glob {@code patterns}; see {@link #subscribe}. Any thread. */
    public CompletableFuture<Void> psubscribe(String... patterns) {
        throw new UnsupportedOperationException("not yet");
    }

    /**
     * Unsubscribes from {@code channels} (none: from every channel); completes once Redis
     * confirmed, or at once when disconnected (nothing to undo then). Any thread.
     */
    public CompletableFuture<Void> unsubscribe(String... channels) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Unsubscribes from {@code patterns} (none: from every pattern); see {@link #unsubscribe}. Any thread. */
    public CompletableFuture<Void> punsubscribe(String... patterns) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The channels subscribed by name now (as asked, confirmed or not). Any thread. */
    public Set<String> channels() {
        return Set.of();
    }

    /** The patterns subscribed now (as asked, confirmed or not). Any thread. */
    public Set<String> patterns() {
        return Set.of();
    }

    /** Whether the connection is up with every subscription restored. Any thread. */
    public boolean isConnected() {
        return false;
    }

    /** Stops reconnecting and closes the connection; pending subscriptions fail. Idempotent; any thread. */
    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "RedisSubscriber(" + options + ", listener " + listener + ")";
    }
}
