package dev.ranch.core.internal.connection;

import dev.ranch.core.internal.loop.EventLoop;
import dev.ranch.core.internal.loop.TimerQueue;

/**
 * A connection's idle timeout: {@code onIdle} after {@code timeoutNanos} without a read.
 *
 * <p>Reads only stamp {@link #activity}; the timer re-arms itself for the remainder when it
 * expires and finds recent activity, so steady traffic never touches the loop's timer heap.
 * Paused reads are the server's choice, not the peer's silence, so a paused connection never
 * idles and its silence counts from the resume. Owner loop thread only.
 */
final class IdleTimer extends TimerQueue.Entry {

    private final SocketConnection connection;
    private final EventLoop loop;
    /** Where the protocol's pause is kept; read directly, as the connection has nothing to add. */
    private final SelectorInterest interest;
    private long timeoutNanos;
    private long lastActivity;

    IdleTimer(SocketConnection connection, EventLoop loop, SelectorInterest interest, long timeoutNanos) {
        this.connection = connection;
        this.loop = loop;
        this.interest = interest;
        this.timeoutNanos = timeoutNanos;
    }

    /** (Re)starts counting silence from now; stops the timer when the timeout is 0. */
    void restart() {
        if (timeoutNanos > 0) {
            lastActivity = loop.now();
            loop.schedule(this, timeoutNanos);
        } else {
            loop.cancel(this);
        }
    }

    /** Changes the timeout; counting restarts from now if {@code running}. */
    void setTimeout(long nanos, boolean running) {
        timeoutNanos = nanos;
        if (running) {
            restart();
        }
    }

    /** Bytes arrived (or reads resumed): the silence starts again. */
    void activity(long now) {
        lastActivity = now;
    }

    void stop() {
        loop.cancel(this);
    }

    @Override
    protected void expire() {
        if (timeoutNanos <= 0 || !connection.isOpenForReads()) {
            return;
        }
        long now = loop.now();
        if (interest.readsPaused()) {
            lastActivity = now;
        }
        long quiet = now - lastActivity;
        if (quiet < timeoutNanos) {
            loop.schedule(this, timeoutNanos - quiet);
            return;
        }
        connection.idleTimedOut();
        if (connection.isOpenForReads() && !isScheduled()) {
            restart();
        }
    }
}
