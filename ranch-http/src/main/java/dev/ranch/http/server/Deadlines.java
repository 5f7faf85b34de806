package dev.ranch.http.server;

import dev.ranch.core.Connection;
import dev.ranch.http.HttpOptions;

import java.time.Duration;

/**
 * The one deadline a connection has at a time: for a request head, for the next piece of a
 * body, or for the next request on an idle keep-alive connection. One timer per connection,
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

    /** The timer token; any other token the connection receives is its own. */
    static final Object TOKEN = new Object();

    private final Connection connection;
    private final long headerTimeoutNanos;
    private final long idleTimeoutNanos;
    private final long timerStepNanos;

    private long deadline;
    private int kind;
    private boolean timerPending;

    Deadlines(Connection connection, HttpOptions options) {
        this.connection = connection;
        this.headerTimeoutNanos = options.requestHeaderTimeout().toNanos();
        this.idleTimeoutNanos = options.idleTimeout().toNanos();
        this.timerStepNanos = Math.min(headerTimeoutNanos, idleTimeoutNanos);
    }

    /** The head of a request must arrive within the header timeout from now. */
    void armHeader() {
        arm(HEADER, headerTimeoutNanos);
    }

    /** The body must keep coming: each piece within the idle timeout of the last. */
    void armBody() {
        arm(BODY, idleTimeoutNanos);
    }

    /** Between requests: the next must start within the idle timeout. */
    void armIdle() {
        arm(IDLE, idleTimeoutNanos);
    }

    void disarm() {
        kind = NONE;
    }

    /** A piece of body arrived: a body deadline moves on. */
    void bodyProgress() {
        if (kind == BODY) {
            deadline = System.nanoTime() + idleTimeoutNanos;
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
