package dev.ranch.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The CPU time a Linux process (all its threads) has used, from {@code /proc/PID/stat}
 * ({@code utime + stime}, in clock ticks of 10 ms): where a run's time went, process by
 * process. Readings of a process that is gone, or off Linux, are 0.
 */
final class CpuClock {

    /** Clock ticks per second ({@code getconf CLK_TCK}: 100 on Linux x86-64 and arm64). */
    private static final double TICKS_PER_SECOND = 100;

    private final long pid;
    private double first = Double.NaN;
    private double last = Double.NaN;

    CpuClock(long pid) {
        this.pid = pid;
    }

    /** Reads the process's CPU seconds now: the first call starts the interval, each later one ends it. */
    void mark() {
        double now = seconds();
        if (Double.isNaN(first)) {
            first = now;
        } else {
            last = now;
        }
    }

    /** CPU seconds used between the first and the last {@link #mark()}. */
    double used() {
        return Double.isNaN(last) ? 0 : last - first;
    }

    private double seconds() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
