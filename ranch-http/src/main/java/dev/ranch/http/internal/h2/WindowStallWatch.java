package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;
import dev.ranch.core.Timer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.ranch.http.internal.h2.ErrorCode.CANCEL;
import static dev.ranch.http.internal.h2.ErrorCode.ENHANCE_YOUR_CALM;

/**
 * Cuts what waits too long for flow-control window ({@code Http2Options.windowStallTimeout}):
 * a stream whose output has had no window for that long is reset with {@code CANCEL}, and
 * when the connection's own window is what holds it, the whole connection ends with
 * {@code ENHANCE_YOUR_CALM}. A client that stops granting window would otherwise hold the
 * server's buffered responses for ever.
 *
 * <p>One timer, scheduled only while some stream is stalled and re-scheduled for the next
 * stream to expire. Owner thread only; one per {@link Http2Connection}.
 */
final class WindowStallWatch {

    /** The timer token the connection hands back to {@link #check()}. */
    static final Object TIMER = new Object();

    private final Http2Connection owner;
    private final Connection connection;
    private final StreamTable streams;
    private final Duration timeout;
    private Timer timer;

    WindowStallWatch(Http2Connection owner, Connection connection, StreamTable streams, Duration timeout) {
        this.owner = owner;
        this.connection = connection;
        this.streams = streams;
        this.timeout = timeout;
    }

    /** Some stream waits for window: make sure a check will run. */
    void stalled() {
        if (timer == null && !owner.isClosing()) {
            timer = connection.schedule(timeout, TIMER);
        }
    }

    /** The timer fired: resets the streams stalled for the whole timeout, and looks again for the rest. */
    void check() {
        timer = null;
        long now = System.nanoTime();
        long limit = timeout.toNanos();
        long soonest = Long.MAX_VALUE;
        List<Stream> expired = new ArrayList<>();
        for (Stream s : streams.all()) {
            if (s.stalledSince == 0 || !s.hasOutput()) {
                continue;
            }
            long waited = now - s.stalledSince;
            if (waited >= limit) {
                expired.add(s);
            } else {
                soonest = Math.min(soonest, limit - waited);
            }
        }
        boolean connectionStuck = !expired.isEmpty() && owner.flow.connectionWindow() <= 0;
        for (Stream s : expired) {
            owner.resetStream(s, CANCEL, "no window for windowStallTimeout");
        }
        if (connectionStuck) {
            owner.connectionError(ENHANCE_YOUR_CALM, "connection window closed for windowStallTimeout");
            return;
        }
        if (soonest != Long.MAX_VALUE && !owner.isClosing()) {
            timer = connection.schedule(Duration.ofNanos(soonest), TIMER);
        }
    }
}
