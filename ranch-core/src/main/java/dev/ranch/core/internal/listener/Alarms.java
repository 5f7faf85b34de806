package dev.ranch.core.internal.listener;

import dev.ranch.core.Connection;
import dev.ranch.core.listener.Alarm;
import dev.ranch.core.listener.Listener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Evaluates a listener's {@link Alarm}s each time a connection starts. The cooldown is kept
 * per alarm name in an {@link AtomicLong}, so concurrent acceptors fire an alarm at most once
 * per cooldown without a lock. Alarms replaced by {@code setOptions} keep their cooldown.
 */
public final class Alarms {

    private static final Logger LOG = LoggerFactory.getLogger(Alarms.class);

    private final Listener listener;
    private final Supplier<List<Connection>> live;
    private final Map<String, AtomicLong> lastFired = new ConcurrentHashMap<>();

    /** Alarms of {@code listener}; {@code live} lists its live connections for a firing alarm. */
    public Alarms(Listener listener, Supplier<List<Connection>> live) {
        this.listener = listener;
        this.live = live;
    }

    /** Fires every alarm whose threshold {@code count} reaches and whose cooldown has passed. Acceptor thread. */
    public void check(int count) {
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
                    alarm.callback().fire(alarm.name(), listener, live.get());
                } catch (RuntimeException e) {
                    LOG.warn("alarm '{}' of listener '{}' threw", alarm.name(), listener.name(), e);
                }
            }
        }
    }
}
