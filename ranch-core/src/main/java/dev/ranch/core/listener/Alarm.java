package dev.ranch.core.listener;

import dev.ranch.core.Connection;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A named alarm on a listener's connection count (Ranch 2's {@code alarms}): when a new
 * connection brings the count to {@code threshold} or more, {@code callback} runs, at most
 * once per {@code cooldown}. A typical callback sheds idle connections near the limit.
 *
 * @param name the alarm's name, passed to the callback
 * @param threshold the connection count at which it fires, 0 or more
 * @param cooldown the least time between two firings; Ranch's default is 5 s
 * @param callback what to do; runs on the acceptor thread that accepted the connection, so it
 *     must be quick: hand real work to another thread or to the connections' mailboxes
 */
public record Alarm(String name, int threshold, Duration cooldown, Callback callback) {

    /** What an alarm does when it fires. */
    @FunctionalInterface
    public interface Callback {
        /**
         * @param alarm the alarm's name
         * @param listener the listener whose count crossed the threshold
         * @param connections a snapshot of its live connections
         */
        void fire(String alarm, Listener listener, List<Connection> connections);
    }

    /** Validates the components. */
    public Alarm {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(cooldown, "cooldown");
        Objects.requireNonNull(callback, "callback");
        if (threshold < 0) {
            throw new IllegalArgumentException("alarm '" + name + "': threshold must not be negative, got " + threshold);
        }
        if (cooldown.isNegative()) {
            throw new IllegalArgumentException("alarm '" + name + "': cooldown must not be negative, got " + cooldown);
        }
    }
}
