package dev.ranch.http.internal.server;

import dev.ranch.core.Connection;
import dev.ranch.core.Timer;
import dev.ranch.core.listener.Listener;
import dev.ranch.http.HttpOptions;

import java.time.Duration;

/**
 * The one deadline a connection has at a time: for a request head, for a body, for the next
 * request on an idle keep-alive connection (counted from when the last response has left),
 * or for a handler's response. One timer per connection,
 * re-armed lazily: moving the deadline later only writes a field, and the timer, when it
 * fires early, schedules itself again for what is left; only a deadline sooner than the
 * pending timer replaces it. What to do when a deadline passes is
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
    /** A last response is leaving before the close; "expires" once it has left. */
    static final int DRAIN = 5;

    /** The timer token; any other token the connection receives is its own. */
    static final Object TOKEN = new Object();

    /**
     * The longest an idle deadline waits to see that a slow response has drained: the client's
     * idle time then starts at most this late, never early.
     */
    private static final long DRAIN_CHECK_NANOS = 1_000_000_000L;

    private final Connection connection;
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long bodyTimeoutNanos;
    private final long minBodyRate;
    /** 0: no response deadline. */
    private final long responseTimeoutNanos;
    /** The response deadline of the response in flight: the option's, or its own override; 0 for none. */
    private long responseNanos;
    private final long timerStepNanos;
    /** How soon an idle deadline that passed with our output still leaving looks again. */
    private final long drainCheckNanos;
    /**
     * Whether the idle deadline waits for pending output: only when the listener's sendTimeout
     * bounds that wait, so a client that never reads cannot hold the connection for ever.
     */
    private final boolean waitsForOutput;

    // The body being read: when its head came, its bytes so far, when the last piece came.
    private long bodyStart;
    private long bodyBytes;
    private long lastPiece;

    private long deadline;
    private int kind;
    /** The timer scheduled and not yet fired, or null; it fires at {@link #timerDue}. */
    private Timer timer;
    private long timerDue;
    /** The idle deadline passed while the last response was still leaving; it restarts once that has gone. */
    private boolean awaitingDrain;
    /** Between {@link #beginBatch()} and {@link #endBatch()}: header and idle deadlines wait for the batch's end. */
    private boolean batching;
    /** A header or idle deadline armed in this batch, not yet counted from a clock reading. */
    private boolean unstamped;
    /** Its length, counted once the batch ends. */
    private long unstampedNanos;

    Deadlines(Connection connection, HttpOptions options) {
        this.connection = connection;
        this.headerTimeoutNanos = options.requestHeaderTimeout().toNanos();
        this.idleTimeoutNanos = options.idleTimeout().toNanos();
        this.bodyTimeoutNanos = options.requestBodyTimeout().toNanos();
        this.minBodyRate = options.minBodyRate();
        this.responseTimeoutNanos = options.responseTimeout().toNanos();
        long step = Math.min(Math.min(headerTimeoutNanos, idleTimeoutNanos), bodyTimeoutNanos);
        this.timerStepNanos = responseTimeoutNanos > 0 ? Math.min(step, responseTimeoutNanos) : step;
        this.drainCheckNanos = Math.min(timerStepNanos, DRAIN_CHECK_NANOS);
        this.waitsForOutput = sendTimeoutBounds(connection);
    }

    /**
     * Whether {@code connection}'s listener cuts output that stops making progress
     * ({@code ListenerOptions.sendTimeout} not zero): only then may an idle timeout wait for
     * pending output instead of closing.
     */
    static boolean sendTimeoutBounds(Connection connection) {
        Listener listener = connection.listener();
        return listener != null && !listener.options().sendTimeout().isZero();
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

    /**
     * Between requests: the next must start within the idle timeout of the last response
     * having left. Armed when the response is queued, which costs nothing more per request;
     * {@link #takeExpired()} does not let it pass while any of that response is still queued.
     */
    void armIdle() {
        arm(IDLE, idleTimeoutNanos);
    }

    /**
     * The handler must answer within the response timeout from now (or write the next piece
     * of a streamed response within it); nothing when that timeout is off.
     *
     * @param overrideNanos the response's own timeout ({@code Response.timeout}), 0 for none,
     *                      or negative for the option's
     */
    void armResponse(long overrideNanos) {
        responseNanos = overrideNanos < 0 ? responseTimeoutNanos : overrideNanos;
        if (responseNanos > 0) {
            arm(RESPONSE, responseNanos);
        } else {
            kind = NONE;
            unstamped = false;
        }
    }

    /**
     * The connection closes once its queued output has left: {@link #takeExpired()} returns
     * {@link #DRAIN} when the queue is empty, looking every {@code min(1 s, smallest timeout)}.
     */
    void armDrain() {
        arm(DRAIN, drainCheckNanos);
    }

    void disarm() {
        kind = NONE;
        awaitingDrain = false;
        unstamped = false;
    }

    /**
     * The connection starts parsing the requests of one read. Until {@link #endBatch()}, a
     * header or idle deadline is only noted, and counted from the clock when the batch ends:
     * later than it was armed, so never early, and one clock reading per read instead of two
     * per request (on a pipelined connection, 16 requests per read). The body, response and
     * drain deadlines, which the batch may itself depend on, are counted at once.
     */
    void beginBatch() {
        batching = true;
    }

    /** The batch {@link #beginBatch()} began has ended: a deadline armed in it starts now. */
    void endBatch() {
        batching = false;
        if (unstamped) {
            unstamped = false;
            place(unstampedNanos);
        }
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

    /** The response deadline last armed, in nanoseconds; 0 when there is none. */
    long responseNanos() {
        return responseNanos;
    }

    /** A piece of a streamed response went out: a response deadline starts again. */
    void responseProgress() {
        if (kind == RESPONSE) {
            deadline = System.nanoTime() + responseNanos;
        }
    }

    /** The timer fired ({@link #TOKEN}); none is pending any more. */
    void timerFired() {
        timer = null;
    }

    /**
     * After {@link #timerFired()}: the kind of the deadline that has passed, now disarmed, or
     * {@link #NONE} when none has (then the timer is scheduled again for what is left).
     */
    int takeExpired() {
        if (kind == NONE) {
            return NONE;
        }
        long now = System.nanoTime();
        long left = deadline - now;
        if (left > 0) {
            schedule(left);
            return NONE;
        }
        if (kind == DRAIN && connection.pendingWriteBytes() > 0) {
            schedule(drainCheckNanos);  // a stall is the core's sendTimeout's to cut
            return NONE;
        }
        if (kind == IDLE && waitsForOutput && connection.pendingWriteBytes() > 0) {
            // The client cannot be idle before its answer has reached it: while the answer still
            // leaves, the deadline waits. A client that stopped reading stalls the output, and
            // the core's sendTimeout cuts it; a slow but steady one gets all of its answer.
            awaitingDrain = true;
            schedule(drainCheckNanos);
            return NONE;
        }
        if (kind == IDLE && awaitingDrain) {
            awaitingDrain = false;
            deadline = now + idleTimeoutNanos;
            schedule(idleTimeoutNanos);
            return NONE;
        }
        int expired = kind;
        kind = NONE;
        return expired;
    }

    private void arm(int newKind, long nanos) {
        kind = newKind;
        awaitingDrain = false;
        if (batching && (newKind == HEADER || newKind == IDLE)) {
            unstamped = true;
            unstampedNanos = nanos;
            return;
        }
        unstamped = false;
        place(nanos);
    }

    /** The current deadline is {@code nanos} from now; the timer fires by then. */
    private void place(long nanos) {
        deadline = System.nanoTime() + nanos;
        if (timer == null) {
            schedule(nanos);
        } else if (deadline - timerDue < 0) {
            // Sooner than the pending timer (a response's own short timeout, a drain check): that
            // timer would see this deadline late by up to a step.
            timer.cancel();
            schedule(nanos);
        }
    }

    private void schedule(long nanos) {
        long delay = Math.min(nanos, timerStepNanos);
        timerDue = System.nanoTime() + delay;
        timer = connection.schedule(Duration.ofNanos(delay), TOKEN);
    }
}
