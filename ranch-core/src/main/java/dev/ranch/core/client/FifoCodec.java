package dev.ranch.core.client;

import java.nio.ByteBuffer;

/**
 * How a {@link FifoClient} turns requests into bytes and bytes into responses, for a protocol
 * that answers requests in the order they were sent, first in, first out.
 * Called on the connection's owner thread only.
 *
 * @param <Q> request type
 * @param <R> response type
 */
public interface FifoCodec<Q, R> {

    /** The bytes of {@code request}; the buffer is copied at once and may be reused afterwards. */
    ByteBuffer encode(Q request);

    /**
     * Decodes the next complete response from {@code in}, consuming its bytes; or returns
     * {@code null} when {@code in} holds only part of one, having consumed either nothing (the
     * client keeps the rest for the next read) or everything (a codec that keeps its partial
     * state itself, see {@link #reset()}). May throw on malformed input, which drops the
     * connection (in-flight calls fail).
     */
    R decode(ByteBuffer in);

    /**
     * Whether {@code response} is no answer but something the server sent on its own (a RESP3
     * push frame: a client-tracking invalidation, a pub/sub message); the codec has then dealt
     * with it and no call is completed, so out-of-band frames cannot shift the answers. Default:
     * never.
     */
    default boolean unsolicited(R response) {
        return false;
    }

    /**
     * The exception the call answered by {@code response} fails with (the protocol's error
     * reply), or {@code null} when it completes normally. The connection carries on either
     * way. Default: {@code null}.
     */
    default Throwable failure(R response) {
        return null;
    }

    /**
     * Forgets any partial response: a new connection starts. Default: nothing, which suits a
     * codec that consumes nothing until a response is complete.
     */
    default void reset() {
    }
}
