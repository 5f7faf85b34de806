package dev.ranch.core.internal.listener;

import dev.ranch.core.listener.AtLimit;

import java.nio.channels.SocketChannel;

/**
 * Where a listener's acceptors put what they accept. The listener implements it privately, so
 * that these calls stay out of its public API. Acceptor threads; none of them throws.
 */
public interface AcceptedChannels {

    /** Configures an accepted channel and gives it to a loop; the slot in {@code shard} is taken. */
    void handOff(SocketChannel channel, int shard);

    /** A client arrived at the limit under {@code policy} CLOSE or REJECT. */
    void refuse(SocketChannel channel, AtLimit policy);

    /** Closes a channel accepted while stopping, before it got a slot. */
    void dropUnserved(SocketChannel channel);
}
