package dev.ranch.redis;

import java.util.Set;

/**
 * What a {@link RedisSubscriber} tells its user. Every method is called on the subscriber
 * connection's owner thread, in the order things happened, and must not block (hand long work
 * to another thread); an exception thrown is logged and otherwise ignored.
 */
public interface SubscriptionListener {

    /** A message published to {@code channel}, to which this subscriber subscribed by name. */
    void onMessage(String channel, byte[] message);

    /** A message published to {@code channel}, which matched the subscribed {@code pattern}. */
    default void onPatternMessage(String pattern, String channel, byte[] message) {
    }

    /**
     * The connection dropped (or Redis cut it, as it does a subscriber whose output buffer
     * passed {@code client-output-buffer-limit pubsub}): messages published from now on are
     * missed until {@link #onResubscribed}. Called once per drop.
     */
    default void onDisconnected(Throwable cause) {
    }

    /**
     * A new connection is up and every subscription is restored: these are all the channels
     * and patterns now subscribed. Messages published between {@link #onDisconnected} and now
     * were missed. Not called for the first connection.
     */
    default void onResubscribed(Set<String> channels, Set<String> patterns) {
    }
}
