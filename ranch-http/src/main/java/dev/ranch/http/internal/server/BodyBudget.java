package dev.ranch.http.internal.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes that all connections of one HTTP server may hold at once in request bodies being
 * aggregated ({@code HttpOptions.maxBufferedBodyBytes}). Connections take from it before they
 * allocate and give back what they took when the request is done with; a connection that
 * cannot take refuses the request instead of allocating.
 *
 * <p>Any thread: the connections of every event loop share one budget. Public only so that
 * HTTP/2 ({@code dev.ranch.http.h2}) shares it with HTTP/1.1; not an application API.
 */
public final class BodyBudget {

    private final long limit;
    /*
     * Memory ordering: the counter carries nothing but itself (no other data is handed from one
     * connection to another through it), so all it needs is that every change is one atomic
     * read-modify-write in a single modification order, which compareAndSet and getAndAdd give.
     * A reserve succeeds only by moving the counter from v to v + n with v + n <= limit, and a
     * release only lowers it, so no value in that order ever exceeds the limit: the bytes
     * reserved at any instant never sum to more than the budget. A reserve that loses a race
     * re-reads and tries again, so none is lost or counted twice. Each connection gives back
     * exactly what it took (its own count, in the loop-confined BodyBuffer), so the counter
     * returns to zero when every connection is done, whatever order they finish in.
     */
    private final AtomicLong reserved = new AtomicLong();

    public BodyBudget(long limit) {
        this.limit = limit;
    }

    /** Takes {@code bytes} if they fit under the limit; {@code false}, and nothing taken, if not. Any thread. */
    boolean reserve(long bytes) {
        while (true) {
            long current = reserved.get();
            if (bytes > limit - current) {
                return false;
            }
            if (reserved.compareAndSet(current, current + bytes)) {
                return true;
            }
        }
    }

    /** Gives back {@code bytes} taken earlier with {@link #reserve}. Any thread. */
    void release(long bytes) {
        if (bytes != 0) {
            reserved.getAndAdd(-bytes);
        }
    }

    /** The bytes reserved now, for tests and diagnostics. Any thread. */
    public long reserved() {
        return reserved.get();
    }

    public long limit() {
        return limit;
    }
}
