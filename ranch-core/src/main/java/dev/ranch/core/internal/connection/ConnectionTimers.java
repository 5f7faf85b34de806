package dev.ranch.core.internal.connection;

import dev.ranch.core.Timer;
import dev.ranch.core.internal.loop.EventLoop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The timers of one connection: the lifecycle bound (the handshake, then a graceful close),
 * the idle timeout (created only when one is set), the send timeout (when one is set), and
 * the protocol's own timers, all
 * cancelled together when the connection closes so none keeps a closed connection in the
 * loop's heap. Owner loop thread only.
 */
final class ConnectionTimers {

    private final SocketConnection connection;
    private final EventLoop loop;
    /** Handed to the idle timer, which must see the protocol's read pause. */
    private final SelectorInterest interest;
    private final LifecycleTimer lifecycle;
    private final SendTimer send;
    private IdleTimer idle;
    private List<UserTimer> user;

    ConnectionTimers(SocketConnection connection, EventLoop loop, SelectorInterest interest,
                     Duration idleTimeout, Duration sendTimeout) {
        this.connection = connection;
        this.loop = loop;
        this.interest = interest;
        this.lifecycle = new LifecycleTimer(connection);
        if (!idleTimeout.isZero()) {
            idle = new IdleTimer(connection, loop, interest, idleTimeout.toNanos());
        }
        this.send = sendTimeout.isZero() ? null : new SendTimer(connection, loop, sendTimeout.toNanos());
    }

    /** A write left bytes queued: the send timeout watches them (a no-op while it already does). */
    void outputPending() {
        if (send != null) {
            send.outputPending();
        }
    }

    /** Ends the current phase (handshake or graceful close) after {@code limit}. */
    void boundPhase(Duration limit) {
        loop.schedule(lifecycle, limit.toNanos());
    }

    /** The phase ended in time. */
    void phaseDone() {
        loop.cancel(lifecycle);
    }

    /** Starts counting silence, once the connection is open. */
    void startIdle() {
        if (idle != null) {
            idle.restart();
        }
    }

    /** Bytes arrived, or reads resumed: the silence starts again. */
    void activity(long now) {
        if (idle != null) {
            idle.activity(now);
        }
    }

    /** Replaces the idle timeout; {@link Duration#ZERO} turns it off. */
    void setIdleTimeout(Duration timeout, boolean open) {
        if (idle == null) {
            if (timeout.isZero()) {
                return;
            }
            idle = new IdleTimer(connection, loop, interest, 0);
        }
        idle.setTimeout(timeout.toNanos(), open);
    }

    /** A protocol timer firing {@code token} after {@code delay}. */
    Timer schedule(Duration delay, Object token) {
        UserTimer timer = new UserTimer(connection, token);
        if (user == null) {
            user = new ArrayList<>(2);
        }
        user.add(timer);
        loop.schedule(timer, Math.max(0, delay.toNanos()));
        return timer;
    }

    /** {@code timer} fired: forget it. */
    void fired(UserTimer timer) {
        if (user != null) {
            user.remove(timer);
        }
    }

    /** Cancels one protocol timer. */
    void cancel(UserTimer timer) {
        loop.cancel(timer);
        fired(timer);
    }

    /** Cancels every timer; the connection is closing for good. */
    void cancelAll() {
        loop.cancel(lifecycle);
        if (idle != null) {
            idle.stop();
        }
        if (send != null) {
            send.stop();
        }
        if (user != null) {
            for (UserTimer timer : user) {
                loop.cancel(timer);
            }
            user = null;
        }
    }
}
