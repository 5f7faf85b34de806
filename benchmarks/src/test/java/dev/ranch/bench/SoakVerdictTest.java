package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ranch.bench.SoakTest.Report;
import dev.ranch.bench.SoakTest.Sample;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The soak's verdict on made-up runs of the default length (ten minutes, a sample every ten
 * seconds): flat metrics with noise pass, and a slow rise in any one of them fails.
 */
class SoakVerdictTest {

    private static final long MIB = 1024 * 1024;
    private static final Sample IDLE = new Sample(0, 20 * MIB, 19, 0, 44, 0);

    /** A ten-minute run whose sample {@code i} (taken at {@code 10 * i} seconds) is {@code sample(i)}. */
    private static Report run(IntFunction<Sample> sample) throws InterruptedException {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i <= 60; i++) {
            samples.add(sample.apply(i));
        }
        SoakLoad noLoad = SoakLoad.start(null, 0);
        noLoad.stop();
        return new Report(IDLE, samples, new Sample(601, 20 * MIB, 19, 0, 45, 0), noLoad);
    }

    private static Sample at(int i, long heap, int fds, int connections, int threads) {
        return new Sample(10.0 * i, heap, fds, connections, threads, 1000L * i);
    }

    @Test
    void flatMetricsWithSamplingNoisePass() throws Exception {
        // Heap within +-0.5 MiB, connections (and so fds) between 0 and 5, one TLS thread coming and going.
        run(i -> at(i, 20 * MIB + ((i * 7919) % 11 - 5) * MIB / 10, 19 + i % 6, i % 6, 44 + i % 2)).assertFlat();
    }

    @Test
    void heapGrowingTwoMibPerMinuteFails() throws Exception {
        Report growing = run(i -> at(i, 20 * MIB + i * MIB / 3, 19, 0, 44));
        AssertionError failure = assertThrows(AssertionError.class, growing::assertFlat);
        assertTrue(failure.getMessage().contains("heap grows"), failure.getMessage());
    }

    @Test
    void oneDescriptorLeakedPerMinuteFails() throws Exception {
        Report leaking = run(i -> at(i, 20 * MIB, 19 + i / 6 + i % 3, i % 3, 44));
        AssertionError failure = assertThrows(AssertionError.class, leaking::assertFlat);
        assertTrue(failure.getMessage().contains("descriptors grow"), failure.getMessage());
    }

    @Test
    void aThreadLeakedEveryTwoMinutesFails() throws Exception {
        Report leaking = run(i -> at(i, 20 * MIB, 19, 0, 44 + i / 12));
        AssertionError failure = assertThrows(AssertionError.class, leaking::assertFlat);
        assertTrue(failure.getMessage().contains("threads grow"), failure.getMessage());
    }
}
