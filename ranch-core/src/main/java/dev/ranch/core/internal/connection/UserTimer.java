package dev.ranch.core.internal.connection;

import dev.ranch.core.Timer;
import dev.ranch.core.internal.loop.TimerQueue;

/** A timer set with {@code Connection.schedule}: fires {@code onTimeout(token)} once. */
final class UserTimer extends TimerQueue.Entry implements Timer {

    private final SocketConnection connection;
    private final Object token;

    UserTimer(SocketConnection connection, Object token) {
        this.connection = connection;
        this.token = token;
    }

    @Override
    public void cancel() {
        connection.cancelTimer(this);
    }

    @Override
    public boolean isPending() {
        connection.checkOwner("Timer.isPending()");
        return isScheduled();
    }

    @Override
    protected void expire() {
        connection.timerFired(this, token);
    }
}
