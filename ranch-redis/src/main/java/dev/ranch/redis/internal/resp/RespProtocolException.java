package dev.ranch.redis.internal.resp;

/**
 * The bytes from the server are not RESP, or announce more than the client's limits allow (a
 * bulk string longer than {@code maxBulkLength}, an aggregate larger than
 * {@code maxAggregateLength} or nested deeper than {@code maxNesting}). The connection cannot
 * be trusted past this point and is dropped; calls in flight fail.
 */
public final class RespProtocolException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** A protocol violation described by {@code message}. */
    public RespProtocolException(String message) {
        super(message);
    }
}
