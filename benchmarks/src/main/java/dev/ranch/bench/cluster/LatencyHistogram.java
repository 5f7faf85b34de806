package dev.ranch.bench.cluster;

/**
 * Counts of latencies in nanoseconds, log-linear as HdrHistogram does: values below 256 ns
 * are kept exactly, and each power of two above is cut into 128 equal buckets, so a recorded
 * value is known to within 1/128 of itself (under 0.8%), up to the largest long, in a fixed
 * array of counts. Recording allocates nothing.
 *
 * <p>Not thread-safe: one thread records; read it after that thread has stopped or handed it over.
 */
public final class LatencyHistogram {

    private static final int SUB_BITS = 8;
    private static final int SUB_BUCKETS = 1 << SUB_BITS;

    private final long[] counts = new long[(64 - SUB_BITS + 1) * SUB_BUCKETS];
    private long total;
    private long max;

    /** Counts one latency of {@code nanos} (negative ones count as 0). */
    public void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        total++;
        if (v > max) {
            max = v;
        }
    }

    /** Adds every count of {@code other} to this one. */
    public void add(LatencyHistogram other) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    /** Latencies recorded. */
    public long count() {
        return total;
    }

    /** The largest latency recorded, exactly; 0 when none. */
    public long max() {
        return max;
    }

    /**
     * The latency at or below which {@code fraction} (0 to 1) of the recorded ones lie: the
     * upper edge of its bucket, capped by {@link #max()}; 0 when none was recorded.
     */
    public long percentile(double fraction) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(fraction * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, upperEdge(i));
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < SUB_BUCKETS) {
            return (int) v;
        }
        int magnitude = 63 - Long.numberOfLeadingZeros(v);
        int shift = magnitude - SUB_BITS + 1;
        // The first SUB_BUCKETS indexes hold 0..255 exactly; each later power of two gets
        // half as many, since its top bit is always set.
        return SUB_BUCKETS + (shift - 1) * (SUB_BUCKETS / 2) + (int) ((v >>> shift) - SUB_BUCKETS / 2);
    }

    static long upperEdge(int index) {
        if (index < SUB_BUCKETS) {
            return index;
        }
        int shift = (index - SUB_BUCKETS) / (SUB_BUCKETS / 2) + 1;
        long sub = (index - SUB_BUCKETS) % (SUB_BUCKETS / 2) + SUB_BUCKETS / 2;
        return ((sub + 1) << shift) - 1;
    }
}
