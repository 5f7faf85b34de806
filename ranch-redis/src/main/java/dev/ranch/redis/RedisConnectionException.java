package dev.ranch.redis;

/**
 * A call got no reply from Redis, for the {@link #reason()} given: the connection dropped
 * while it was in flight, the client was closed or gave up, too many calls were waiting for a
 * connection, the call timed out, or Redis refused the connection's set-up (a wrong password).
 * Whether a failed write took effect on the server is unknown when the reason is
 * {@link Reason#CONNECTION_LOST} or {@link Reason#TIMED_OUT}.
 *
 * <p>It carries no stack trace: it is made on the connection's owner thread, whose stack says
 * nothing about the call, and a client refusing calls by the thousand during an outage should
 * not spend its time filling them in.
 */
public final class RedisConnectionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a call got no reply. */
    public enum Reason {
        /** The call was sent (or being sent) and the connection dropped before its reply; it may have run. */
        CONNECTION_LOST,
        /** {@code close()} was called: the call was refused or was still waiting. */
        CLOSED,
        /** The client stopped reconnecting ({@code ReconnectPolicy.maxAttempts} failures in a row). */
        GAVE_UP,
        /** Disconnected and {@code maxWaitingCommands} calls were already waiting: refused at once. */
        QUEUE_FULL,
        /** No reply within {@code commandTimeout}; a reply arriving later is discarded. It may have run. */
        TIMED_OUT,
        /**
         * Redis refused the connection's set-up ({@code HELLO}, {@code AUTH}, {@code SELECT} or
         * {@code CLIENT SETNAME}): a wrong password, a database out of range. The client stops
         * for good (retrying would fail the same way); the cause is Redis's {@link RedisErrorException}.
         */
        SETUP_REFUSED
    }

    /** Why the connection failed. */
    private final Reason reason;

    /** A failure for {@code reason}, described by {@code message}, caused by {@code cause} (may be null). */
    public RedisConnectionException(Reason reason, String message, Throwable cause) {
        super(reason + ": " + message, cause, true, false);
        this.reason = reason;
    }

    /** Why the call got no reply. */
    public Reason reason() {
        return reason;
    }
}
