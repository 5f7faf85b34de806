package dev.ranch.http.internal.server;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The body of one request being aggregated for a handler: an array that grows with the bytes
 * actually received (doubling, from a small start, up to the declared length or the size
 * limit), never sized from what the client declares, with every growth taken from the
 * server's {@link BodyBudget} first. The reservation is kept after the body is handed over,
 * until {@link #release()}, as the handler holds the array while it answers (or, for a blocking
 * handler, until its task has run: {@link #handOver()}).
 *
 * <p>Owner thread only; one per HTTP/1.1 connection, reused from request to request, or one per
 * HTTP/2 stream. Public only for that sharing with {@code dev.ranch.http.h2}; not an
 * application API.
 */
public final class BodyBuffer {

    /** A body's first array: small bodies fit, and a crowd of one-byte senders costs little. */
    public static final int FIRST_CAPACITY = 4096;
    /** The largest array the JVM reliably allocates. */
    static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final BodyBudget budget;
    private byte[] bytes;
    private int length;
    /** No body of this request is longer: its declared length, or the size limit. */
    private long cap;
    /** Bytes taken from the budget and not given back yet. */
    private long reserved;

    /** A buffer taking its memory from {@code budget}. */
    public BodyBuffer(BodyBudget budget) {
        this.budget = budget;
    }

    /** A new body starts, at most {@code cap} bytes long; the last one must have been released. */
    public void start(long cap) {
        this.cap = Math.min(cap, MAX_ARRAY);
        this.bytes = null;
        this.length = 0;
    }

    /**
     * Appends all of {@code data}; {@code false}, with nothing consumed, when the budget
     * cannot cover the growth this needs.
     *
     * @throws IllegalStateException when the body would pass the cap given at {@link #start}
     *         (the parser's limits make this impossible)
     */
    public boolean append(ByteBuffer data) {
        int n = data.remaining();
        int capacity = bytes == null ? 0 : bytes.length;
        if (n > capacity - length && !grow((long) length + n)) {
            return false;
        }
        data.get(bytes, length, n);
        length += n;
        return true;
    }

    private boolean grow(long needed) {
        if (needed > cap) {
            throw new IllegalStateException("body of " + needed + " bytes passes its cap of " + cap);
        }
        int capacity = bytes == null ? 0 : bytes.length;
        long doubled = Math.min(cap, Math.max(needed, Math.max(FIRST_CAPACITY, 2L * capacity)));
        long wanted = doubled;
        if (!budget.reserve(wanted - capacity)) {
            // Near the end of the budget: take only what this piece needs, not the headroom.
            wanted = needed;
            if (!budget.reserve(wanted - capacity)) {
                return false;
            }
        }
        reserved += wanted - capacity;
        bytes = bytes == null ? new byte[(int) wanted] : Arrays.copyOf(bytes, (int) wanted);
        return true;
    }

    /** The body received, exactly as long as it is; the reservation shrinks to match and is kept. */
    public byte[] take() {
        byte[] body = bytes;
        int n = length;
        bytes = null;
        length = 0;
        if (body == null) {
            return ServerRequest.NO_BODY;
        }
        if (n < body.length) {
            body = Arrays.copyOf(body, n);
            long spare = reserved - n;
            budget.release(spare);
            reserved = n;
        }
        return body;
    }

    /**
     * Hands the reservation to a task that holds the body on another thread (a blocking
     * handler's), since the task keeps the body whether or not its client stays: this buffer
     * holds none after, and the returned action gives it back. Run the action once, from any
     * thread, when the task is done or will never run.
     */
    public Runnable handOver() {
        long held = reserved;
        reserved = 0;
        return () -> budget.release(held);
    }

    /** Gives the whole reservation back: the request is done with, or its connection gone. Idempotent. */
    public void release() {
        budget.release(reserved);
        reserved = 0;
        bytes = null;
        length = 0;
    }

    /** Bytes taken from the budget now. */
    long reserved() {
        return reserved;
    }
}
