package dev.ranch.core.test;

import java.util.Arrays;

/**
 * Durations a test collected (round trips, times to a cut), for percentiles in assertions and
 * reports. Not a benchmark: speed is measured with JMH; this says how a well-behaved client
 * or an attacker fared during an attack. Thread-safe.
 */
public final class Latencies {

    private long[] nanos = new long[1024];
    private int count;

    /** Records one duration in nanoseconds. */
    public synchronized void record(long durationNanos) {
        if (count == nanos.length) {
            nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = durationNanos;
    }

    /** How many were recorded. */
    public synchronized int count() {
        return count;
    }

    /** The {@code p}-th percentile (0 to 100, nearest rank) in milliseconds; 0 when none were recorded. */
    public synchronized double percentileMillis(double p) {
        if (count == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(nanos, count);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * count);
        return sorted[Math.max(0, Math.min(count - 1, rank - 1))] / 1e6;
    }

    /** Least, median, 99th percentile and most, in milliseconds, for a report line. */
    @Override
    public synchronized String toString() {
        return String.format("n=%d min=%.1f ms p50=%.1f ms p99=%.1f ms max=%.1f ms", count,
                percentileMillis(0), percentileMillis(50), percentileMillis(99), percentileMillis(100));
    }
}
