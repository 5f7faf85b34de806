package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;
import dev.ranch.core.Timer;

import java.time.Duration;

/**
 * The connection's idle timeout ({@code HttpOptions.idleTimeout}): counted from when its last
 * stream ended (or from the preface), suspended while any stream is open. When it passes, the
 * connection says GOAWAY and closes.
 *
 * <p>Re-armed lazily: a stream opening cancels the timer, the last one closing starts it again
 * only when none is pending, and a timer that fires early schedules itself for what is left.
 * Owner thread only; one per {@link Http2Connection}.
 */
final class IdleWatch {

    /** The timer token the connection hands back to {@link #check()}. */
    static final Object TIMER = new Object();

    private final Http2Connection owner;
    private final Connection connection;
    private final StreamTable streams;
    private final Duration timeout;
    private Timer timer;
    private long idleSince;

    IdleWatch(Http2Connection owner, Connection connection, StreamTable streams, Duration timeout) {
        this.owner = owner;
        this.connection = connection;
        this.streams = streams;
        this.timeout = timeout;
    }

    /** No stream is open (the connection has just started, or its last stream has ended). */
    void idle() {
        idleSince = System.nanoTime();
        if (timer == null && !owner.isClosing()) {
            timer = connection.schedule(timeout, TIMER);
        }
    }

    /** A stream opened: the connection is not idle until the last one ends. */
    void busy() {
        if (timer != null && timer.isPending()) {
            timer.cancel();
        }
        timer = null;
    }

    /** The timer fired: GOAWAY when the connection has been idle for the whole timeout. */
    void check() {
        timer = null;
        if (!streams.isEmpty() || owner.isClosing()) {
            return;
        }
        long left = timeout.toNanos() - (System.nanoTime() - idleSince);
        if (left > 0) {
            timer = connection.schedule(Duration.ofNanos(left), TIMER);
            return;
        }
        owner.idledOut();
    }
}
