package dev.ranch.bench;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * CPU time of the whole benchmark JVM (server, client, GC and compiler threads) per
 * operation, as {@code cpu.time.norm} in microseconds: {@code -prof dev.ranch.bench.CpuTimeProfiler}.
 *
 * <p>On a machine shared with other work, throughput swings with how much of the cores the
 * run gets; the CPU spent per operation swings far less, since time spent waiting for a core
 * is not counted. Both sides of a pair pay the client's share alike. Called by JMH on the
 * benchmark's control thread, before and after each iteration.
 */
public final class CpuTimeProfiler implements InternalProfiler {

    private final com.sun.management.OperatingSystemMXBean system =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long start;

    @Override
    public String getDescription() {
        return "process CPU time per operation (all threads of the benchmark JVM)";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        start = system.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long cpuNanos = system.getProcessCpuTime() - start;
        long ops = result.getMetadata().getAllOps();
        double perOp = ops > 0 && cpuNanos >= 0 ? cpuNanos / 1000.0 / ops : Double.NaN;
        return List.of(new ScalarResult("cpu.time.norm", perOp, "us/op", AggregationPolicy.AVG));
    }
}
