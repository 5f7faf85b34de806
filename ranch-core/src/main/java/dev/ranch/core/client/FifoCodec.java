package dev.ranch.core.client;

import java.nio.ByteBuffer;

/**
 * How a {@link FifoClient} turns requests into bytes and bytes into responses, for a protocol
 * that answers requests in the order they were sent (seed 002's FIFO of waiting callers).
 * Called on the connection's loop thread only.
 *
 * @param <Q> request type
 * @param <R> response type
 */
public interface FifoCodec<Q, R> {

    /** The bytes of {@code request}; the buffer is written at once and may be reused afterwards. */
    ByteBuffer encode(Q request);

    /**
     * Decodes the next complete response from {@code in}, consuming its bytes; or returns
     * {@code null} and consumes nothing when {@code in} holds only part of one. May throw on
     * malformed input, which drops the connection (in-flight calls fail).
     */
    R decode(ByteBuffer in);
}
