package dev.ranch.http.server;

import dev.ranch.core.Connection;
import dev.ranch.http.HttpOptions;

import java.time.Duration;

/**
 * The one deadline a connection has at a time: for a request head, for a body, for the next
 * request on an idle keep-alive connection, or for a handler's response. One timer per connection,
 * re-armed lazily: moving the deadline only writes a field, and the timer, when it fires
 * early, schedules itself again for what is left. What to do when a deadline passes is
 * {@link HttpConnection}'s.
 *
 * <p>Loop thread only; one per connection.
 */
final class Deadlines {

    static final int NONE = 0;
    static final int HEADER = 1;
    static final int BODY = 2;
    static final int IDLE = 3;
    static final int RESPONSE = 4;

    /** The timer token; any other token the connection receives is its own. */
    static final Object TOKEN = new Object();

    private final Connection connection;
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final long minBodyRate;
    /** 0: no response deadline. */
    private final long responseTimeoutNanos;
    private final long timerStepNanos;

    // The body being read: when its head came, its bytes so far, when the last piece came.
    private long bodyStart;
    private long bodyBytes;
    private long lastPiece;

    private long deadline;
    private int kind;
    private boolean timerPending;

    Deadlines(Connection connection, HttpOptions options) {
        this.connection = connection;
        this.headerTimeoutNanos = options.requestHeaderTimeout().toNanos();
        this.idleTimeoutNanos = options.idleTimeout().toNanos();
        this.bodyTimeoutNanos = options.requestBodyTimeout().toNanos();
        this.minBodyRate = options.minBodyRate();
        this.responseTimeoutNanos = options.responseTimeout().toNanos();
        long step = Math.min(Math.min(headerTimeoutNanos, idleTimeoutNanos), bodyTimeoutNanos);
        this.timerStepNanos = responseTimeoutNanos > 0 ? Math.min(step, responseTimeoutNanos) : step;
    }

    /** The head of a request must arrive within the header timeout from now. */
    void armHeader() {
        arm(HEADER, headerTimeoutNanos);
    }

    /**
     * The body must arrive within the body timeout from now, extended by the bytes received
     * at the minimum rate, and each piece within the idle timeout of the last.
     */
    void armBody() {
        bodyBytes = 0;
        bodyStart = System.nanoTime();
        lastPiece = bodyStart;
        arm(BODY, Math.min(bodyTimeoutNanos, idleTimeoutNanos));
    }

    /** Between requests: the next must start within the idle timeout. */
    void armIdle() {
        arm(IDLE, idleTimeoutNanos);
    }

    /**
     * The handler must answer within the response timeout from now (or write the next piece
     * of a streamed response within it); nothing when that timeout is off.
     */
    void armResponse() {
        if (responseTimeoutNanos > 0) {
            arm(RESPONSE, responseTimeoutNanos);
        } else {
            kind = NONE;
        }
    }

    void disarm() {
        kind = NONE;
    }

    /** {@code n} bytes of body arrived: a body deadline moves on by what they earn. */
    void bodyProgress(int n) {
        if (kind == BODY) {
            lastPiece = System.nanoTime();
            bodyBytes += n;
            // Compared as differences: nanoTime values themselves may wrap.
            long byRate = bodyStart - lastPiece + bodyTimeoutNanos + credit(bodyBytes);
            deadline = lastPiece + Math.min(idleTimeoutNanos, byRate);
        }
    }

    /** The time {@code bytes} earn at the minimum body rate, saturating rather than overflowing. */
    private long credit(long bytes) {
        if (minBodyRate == 0) {
            return 0;
        }
        long seconds = bytes / minBodyRate;
        if (seconds >= Long.MAX_VALUE / 4 / 1_000_000_000L) {
            return Long.MAX_VALUE / 4;  // still leaves room for the additions above
        }
        return seconds * 1_000_000_000L + (bytes % minBodyRate) * 1_000_000_000L / minBodyRate;
    }

    /** A piece of a streamed response went out: a response deadline starts again. */
    void responseProgress() {
        if (kind == RESPONSE) {
            deadline = System.nanoTime() + responseTimeoutNanos;
        }
    }

    /** The timer fired ({@link #TOKEN}); none is pending any more. */
    void timerFired() {
        timerPending = false;
    }

    /**
     * After {@link #timerFired()}: the kind of the deadline that has passed, now disarmed, or
     * {@link #NONE} when none has (then the timer is scheduled again for what is left).
     */
    int takeExpired() {
        if (kind == NONE) {
            return NONE;
        }
        long left = deadline - System.nanoTime();
        if (left > 0) {
            schedule(left);
            return NONE;
        }
        int expired = kind;
        kind = NONE;
        return expired;
    }

    private void arm(int newKind, long nanos) {
        kind = newKind;
        deadline = System.nanoTime() + nanos;
        if (!timerPending) {
            schedule(Math.min(nanos, timerStepNanos));
        }
    }

    private void schedule(long nanos) {
        timerPending = true;
        connection.schedule(Duration.ofNanos(Math.min(nanos, timerStepNanos)), TOKEN);
    }
}
