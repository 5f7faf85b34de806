package dev.ranch.redis;

import dev.ranch.core.client.FifoClient;
import dev.ranch.core.client.OutboundConnection;
import dev.ranch.core.client.OutboundState;
import dev.ranch.redis.RedisConnectionException.Reason;

import java.time.Duration;

/** Why a Redis call got no reply, as a {@link RedisConnectionException}. */
final class RedisFailures implements FifoClient.Failures {

    static final RedisFailures INSTANCE = new RedisFailures();

    private RedisFailures() {}

    @Override
    public Throwable dropped(OutboundConnection outbound, Throwable cause) {
        return new RedisConnectionException(Reason.CONNECTION_LOST, "the connection to " + outbound.address()
                + " dropped before the reply" + (cause == null ? "" : " (" + cause + ")"), cause);
    }

    @Override
    public Throwable ended(OutboundConnection outbound, Throwable cause) {
        if (cause instanceof RedisConnectionException refused) {
            // Every call gets its own exception; the set-up's error stays the cause.
            return new RedisConnectionException(refused.reason(), detail(refused), refused.getCause());
        }
        if (outbound.state() == OutboundState.GAVE_UP) {
            return new RedisConnectionException(Reason.GAVE_UP, "stopped reconnecting to " + outbound.address()
                    + " after " + "the reconnect policy's maxAttempts failures", cause);
        }
        return new RedisConnectionException(Reason.CLOSED, "the client of " + outbound.address() + " is closed", cause);
    }

    @Override
    public Throwable queueFull(OutboundConnection outbound, int waiting) {
        return new RedisConnectionException(Reason.QUEUE_FULL, "not connected to " + outbound.address() + " and "
                + waiting + " calls already wait (maxWaitingCommands)", null);
    }

    @Override
    public Throwable timedOut(OutboundConnection outbound, Duration timeout) {
        return new RedisConnectionException(Reason.TIMED_OUT, "no reply from " + outbound.address() + " within "
                + timeout + " (commandTimeout)", null);
    }

    private static String detail(RedisConnectionException e) {
        String message = e.getMessage();
        String prefix = e.reason() + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }
}
