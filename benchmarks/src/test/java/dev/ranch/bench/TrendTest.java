package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's slope is the least-squares one, per minute. */
class TrendTest {

    private static SoakTest.Sample at(double seconds, long heapBytes) {
        return new SoakTest.Sample(seconds, heapBytes, 0, 0, 0, 0);
    }

    @Test
    void aSteadyRiseGivesItsRatePerMinute() {
        List<SoakTest.Sample> rising = List.of(at(0, 0), at(30, 512), at(60, 1024), at(90, 1536));
        assertEquals(1024, Trend.slopePerMinute(rising, s -> s.heapBytes()), 1e-9);
    }

    @Test
    void noiseAroundALevelGivesTheFittedSlopeNotTheEnds() {
        // Ends equal, middle high and low: (0,10) (1,14) (2,6) (3,10) -> slope -0.8 per minute.
        List<SoakTest.Sample> noisy = List.of(at(0, 10), at(60, 14), at(120, 6), at(180, 10));
        assertEquals(-0.8, Trend.slopePerMinute(noisy, s -> s.heapBytes()), 1e-9);
    }
}
