package dev.ranch.bench;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** The least-squares line through a metric sampled over time. */
final class Trend {

    private Trend() {}

    /**
     * The slope, per minute, of the least-squares line through {@code metric} of each sample
     * against its time; 0 for fewer than two samples.
     */
    static double slopePerMinute(List<SoakTest.Sample> samples, ToDoubleFunction<SoakTest.Sample> metric) {
        int n = samples.size();
        if (n < 2) {
            return 0;
        }
        double meanT = samples.stream().mapToDouble(s -> s.seconds() / 60).average().orElse(0);
        double meanY = samples.stream().mapToDouble(metric).average().orElse(0);
        double covariance = 0;
        double variance = 0;
        for (SoakTest.Sample s : samples) {
            double dt = s.seconds() / 60 - meanT;
            covariance += dt * (metric.applyAsDouble(s) - meanY);
            variance += dt * dt;
        }
        return variance == 0 ? 0 : covariance / variance;
    }
}
