package dev.ranch.bench.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void percentilesAreWithinOnePercentOfTheSortedValues() {
        Random random = new Random(16);
        long[] values = new long[100_000];
        LatencyHistogram histogram = new LatencyHistogram();
        for (int i = 0; i < values.length; i++) {
            // From nanoseconds to about a second, spread over every power of two.
            values[i] = (long) Math.exp(random.nextDouble() * Math.log(1e9));
            histogram.record(values[i]);
        }
        Arrays.sort(values);

        assertEquals(values.length, histogram.count());
        assertEquals(values[values.length - 1], histogram.max());
        for (double fraction : new double[] {0.01, 0.5, 0.9, 0.99, 0.999, 1.0}) {
            long exact = values[(int) Math.ceil(fraction * values.length) - 1];
            long estimate = histogram.percentile(fraction);
            assertTrue(estimate >= exact && estimate <= exact + exact / 100 + 1,
                    "p" + fraction + ": " + estimate + " for " + exact);
        }
    }

    @Test
    void valuesBelow256AreExact() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (long v = 0; v < 256; v++) {
            histogram.record(v);
        }
        assertEquals(127, histogram.percentile(0.5));
        assertEquals(255, histogram.percentile(1.0));
    }

    @Test
    void addingMergesCountsAndMax() {
        LatencyHistogram a = new LatencyHistogram();
        LatencyHistogram b = new LatencyHistogram();
        a.record(1_000);
        b.record(5_000_000);
        a.add(b);
        assertEquals(2, a.count());
        assertEquals(5_000_000, a.max());
        assertEquals(1_000, a.percentile(0.5), 10);
    }
}
