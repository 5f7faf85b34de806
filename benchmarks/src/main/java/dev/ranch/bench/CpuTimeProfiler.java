package dev.ranch.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * What the whole benchmark JVM costs the machine per operation: {@code -prof dev.ranch.bench.CpuTimeProfiler}.
 *
 * <ul>
 *   <li>{@code cpu.time.norm}: CPU time in microseconds (the process's CPU clock, nanosecond resolution);
 *   <li>{@code cpu.user.norm} and {@code cpu.sys.norm}: the same split into user and kernel time, from
 *       {@code utime} and {@code stime} of {@code /proc/self/stat} (clock ticks, usually 10 ms: an
 *       iteration of a second or more on two cores spans a few hundred);
 *   <li>{@code syscalls.read.norm} and {@code syscalls.write.norm}: {@code syscr} and {@code syscw} of
 *       {@code /proc/self/io}, the read-like ({@code read}, {@code readv}, ...) and write-like
 *       ({@code write}, {@code writev}, ...) system calls. Calls such as {@code epoll_wait} or
 *       {@code futex} are not counted there; {@code scripts/kernel-compare.py} counts every call
 *       of a server in its own process;
 *   <li>{@code cpu.client.norm}: the CPU time of JMH's worker threads alone (thread names with
 *       {@code jmh-worker}), which in the socket pairs is the load client; {@code cpu.time.norm}
 *       minus this is the server's loops plus GC, compiler and JMH's control thread;
 *   <li>with {@code -prof 'dev.ranch.bench.CpuTimeProfiler:perf'}, also {@code syscalls.norm} (every
 *       system call) and {@code syscalls.epoll_wait.norm} ({@code epoll_wait} and its variants),
 *       counted by {@code perf stat} tracepoints on this JVM during each iteration only (see
 *       {@link PerfSyscalls} for what perf needs; without it the iteration fails with the reason).
 *       Counting adds a little kernel time to every system call, on both sides of a pair alike.
 * </ul>
 *
 * <p><b>What the figures include.</b> Every thread of the JVM: in the socket pairs the server's
 * loops <em>and</em> the load client (the benchmark thread), plus GC, compiler and JMH threads. The
 * same client measures both sides of a pair, so the difference between the sides is the
 * servers'. The floor for one request answered with one read and one write is therefore two
 * reads and two writes per operation (the client's and the server's), or two of each per batch
 * when the client pipelines {@code depth} requests in one write.
 *
 * <p>On a machine shared with other work, throughput swings with how much of the cores the run
 * gets; the cost per operation swings far less, since time spent waiting for a core is not
 * counted. The {@code /proc} figures are left out where {@code /proc} is not there (not Linux).
 * Called by JMH on the benchmark's control thread, before and after each iteration.
 */
public final class CpuTimeProfiler implements InternalProfiler {

    private static final Path STAT = Path.of("/proc/self/stat");
    private static final Path IO = Path.of("/proc/self/io");
    /** Clock ticks per second of {@code /proc/PID/stat}: USER_HZ, 100 on every Linux architecture the JDK runs on. */
    private static final double TICKS_PER_SECOND = 100;

    private final com.sun.management.OperatingSystemMXBean system =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private long start;
    private long[] statStart;
    private long[] ioStart;
    private Map<Long, Long> workersStart = Map.of();
    private final boolean perf;
    private PerfSyscalls syscalls;

    /** Without perf: CPU figures and {@code /proc/self/io} read/write calls only. */
    public CpuTimeProfiler() {
        this("");
    }

    /**
     * With {@code options} from JMH's {@code -prof CpuTimeProfiler:OPTIONS}: {@code perf} adds the
     * system call counts of perf stat; empty adds nothing.
     *
     * @throws IllegalArgumentException on any other option
     */
    public CpuTimeProfiler(String options) {
        String option = options == null ? "" : options.trim();
        if (!option.isEmpty() && !option.equals("perf")) {
            throw new IllegalArgumentException("CpuTimeProfiler options: 'perf' or none, not '" + option + "'");
        }
        this.perf = option.equals("perf");
    }

    @Override
    public String getDescription() {
        return "process CPU time (user and system) and read/write system calls per operation, all threads of the benchmark JVM";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        // perf first: starting it forks processes, which must not count against the iteration.
        if (perf) {
            syscalls = PerfSyscalls.attach(ProcessHandle.current().pid());
            syscalls.start();
        }
        statStart = userAndSystemTicks();
        ioStart = readAndWriteCalls();
        workersStart = workerCpuNanos();
        start = system.getProcessCpuTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long cpuNanos = system.getProcessCpuTime() - start;
        long[] statEnd = userAndSystemTicks();
        long[] ioEnd = readAndWriteCalls();
        long workersNanos = 0;
        for (Map.Entry<Long, Long> worker : workerCpuNanos().entrySet()) {
            // A worker that started during the iteration counts from zero.
            workersNanos += worker.getValue() - workersStart.getOrDefault(worker.getKey(), 0L);
        }
        Map<String, Long> calls = syscalls == null ? null : syscalls.stop();
        syscalls = null;
        long ops = result.getMetadata().getAllOps();
        List<Result> results = new ArrayList<>();
        results.add(perOp("cpu.time.norm", ops > 0 && cpuNanos >= 0 ? cpuNanos / 1000.0 : Double.NaN, ops, "us/op"));
        results.add(perOp("cpu.client.norm", workersNanos / 1000.0, ops, "us/op"));
        if (statStart != null && statEnd != null) {
            results.add(perOp("cpu.user.norm", (statEnd[0] - statStart[0]) * 1e6 / TICKS_PER_SECOND, ops, "us/op"));
            results.add(perOp("cpu.sys.norm", (statEnd[1] - statStart[1]) * 1e6 / TICKS_PER_SECOND, ops, "us/op"));
        }
        if (ioStart != null && ioEnd != null) {
            results.add(perOp("syscalls.read.norm", ioEnd[0] - ioStart[0], ops, "calls/op"));
            results.add(perOp("syscalls.write.norm", ioEnd[1] - ioStart[1], ops, "calls/op"));
        }
        if (calls != null) {
            long epollWaits = 0;
            for (String call : PerfSyscalls.EPOLL_WAITS) {
                epollWaits += calls.getOrDefault(call, 0L);
            }
            results.add(perOp("syscalls.norm", calls.get("total"), ops, "calls/op"));
            results.add(perOp("syscalls.epoll_wait.norm", epollWaits, ops, "calls/op"));
        }
        return results;
    }

    private static ScalarResult perOp(String name, double total, long ops, String unit) {
        return new ScalarResult(name, ops > 0 ? total / ops : Double.NaN, unit, AggregationPolicy.AVG);
    }

    /** CPU nanoseconds of each live JMH worker thread, by thread id. */
    private static Map<Long, Long> workerCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("jmh-worker")) {
                long nanos = threads.getThreadCpuTime(info.getThreadId());
                if (nanos >= 0) {
                    cpu.put(info.getThreadId(), nanos);
                }
            }
        }
        return cpu;
    }

    /** utime and stime (fields 14 and 15) of this process, or {@code null} without {@code /proc}. */
    static long[] userAndSystemTicks() {
        try {
            String stat = Files.readString(STAT);
            // The command name in parentheses may hold spaces; the fields after it do not.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** syscr and syscw of this process, or {@code null} without {@code /proc/self/io}. */
    static long[] readAndWriteCalls() {
        try {
            long reads = -1;
            long writes = -1;
            for (String line : Files.readAllLines(IO)) {
                if (line.startsWith("syscr:")) {
                    reads = Long.parseLong(line.substring(6).trim());
                } else if (line.startsWith("syscw:")) {
                    writes = Long.parseLong(line.substring(6).trim());
                }
            }
            return reads < 0 || writes < 0 ? null : new long[] {reads, writes};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
