package dev.ranch.core.internal.listener;

import dev.ranch.core.listener.Alarm;
import dev.ranch.core.listener.Listener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Evaluates a listener's {@link Alarm}s each time a connection starts. The cooldown is kept
 * per alarm name in an {@link AtomicLong}, so concurrent acceptors fire an alarm at most once
 * per cooldown without a lock. Alarms replaced by {@code setOptions} keep their cooldown.
 */
final class Alarms {

    private static final Logger LOG = LoggerFactory.getLogger(Alarms.class);

    private final Listener listener;
    private final Map<String, AtomicLong> lastFired = new ConcurrentHashMap<>();

    Alarms(Listener listener) {
        this.listener = listener;
    }

    /** Fires every alarm whose threshold {@code count} reaches and whose cooldown has passed. Acceptor thread. */
    void check(int count) {
        for (Alarm alarm : listener.options().alarms()) {
            if (count < alarm.threshold()) {
                continue;
            }
            AtomicLong last = lastFired.computeIfAbsent(alarm.name(), n -> new AtomicLong(Long.MIN_VALUE));
            long now = System.nanoTime();
            long previous = last.get();
            boolean due = previous == Long.MIN_VALUE || now - previous >= alarm.cooldown().toNanos();
            if (due && last.compareAndSet(previous, now)) {
                try {
                    alarm.callback().fire(alarm.name(), listener, listener.liveConnections());
                } catch (RuntimeException e) {
                    LOG.warn("alarm '{}' of listener '{}' threw", alarm.name(), listener.name(), e);
                }
            }
        }
    }
}
