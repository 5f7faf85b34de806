package dev.ranch.core.internal.connection;

import dev.ranch.core.internal.loop.EventLoop;
import dev.ranch.core.internal.loop.TimerQueue;

/**
 * A connection's send timeout: the connection is closed when its pending output makes no
 * progress for a whole period.
 *
 * <p>Writes never touch the timer heap for it: the first write that leaves bytes queued arms
 * the timer if it is not armed already ({@link #outputPending}, a field check), and when it
 * expires it compares the connection's count of bytes handed to the kernel with the count it
 * saw last time. Progress re-arms it for another period, an empty queue lets it lapse until
 * output is pending again, and neither progress nor an empty queue is a stall. So a stalled
 * connection is closed between one and two periods after its last progress, and a connection
 * whose output flows costs one timer expiry per period at most. Owner loop thread only.
 */
final class SendTimer extends TimerQueue.Entry {

    private final SocketConnection connection;
    private final EventLoop loop;
    private final long timeoutNanos;
    private long writtenAtArm;

    SendTimer(SocketConnection connection, EventLoop loop, long timeoutNanos) {
        this.connection = connection;
        this.loop = loop;
        this.timeoutNanos = timeoutNanos;
    }

    /** Bytes were left queued: start watching them unless already watching. */
    void outputPending() {
        if (!isScheduled()) {
            arm();
        }
    }

    void stop() {
        loop.cancel(this);
    }

    private void arm() {
        writtenAtArm = connection.bytesOut();
        loop.schedule(this, timeoutNanos);
    }

    @Override
    protected void expire() {
        if (!connection.isOpenWithOutputPending()) {
            return;
        }
        if (connection.bytesOut() != writtenAtArm) {
            arm();
            return;
        }
        connection.sendTimedOut();
    }
}
