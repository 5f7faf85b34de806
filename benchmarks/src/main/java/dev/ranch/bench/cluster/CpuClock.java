package dev.ranch.bench.cluster;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a Linux process's time went, all its threads together: CPU time used, from
 * {@code /proc/PID/stat} ({@code utime + stime}, in clock ticks of 10 ms), and time its
 * threads were runnable but waited for a core, from each {@code /proc/PID/task/TID/schedstat}
 * (its second field, in nanoseconds; threads that ended between two readings drop out of the
 * second). On a machine with more runnable threads than cores the second is the latency no
 * code of the process can remove. Readings of a process that is gone, or off Linux, are 0.
 */
final class CpuClock {

    /** Clock ticks per second ({@code getconf CLK_TCK}: 100 on Linux x86-64 and arm64). */
    private static final double TICKS_PER_SECOND = 100;

    private final long pid;
    private double[] first;
    private double[] last;

    CpuClock(long pid) {
        this.pid = pid;
    }

    /** Reads the process's clocks now: the first call starts the interval, each later one ends it. */
    void mark() {
        double[] now = {cpuSeconds(), waitSeconds()};
        if (first == null) {
            first = now;
        } else {
            last = now;
        }
    }

    /** CPU seconds used between the first and the last {@link #mark()}. */
    double used() {
        return last == null ? 0 : last[0] - first[0];
    }

    /** Seconds its threads spent runnable but waiting for a core between the first and the last {@link #mark()}. */
    double waited() {
        return last == null ? 0 : Math.max(0, last[1] - first[1]);
    }

    private double cpuSeconds() {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces; the fields after its ')' are fixed.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private double waitSeconds() {
        long nanos = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks) {
                try {
                    nanos += Long.parseLong(Files.readString(task.resolve("schedstat")).trim().split(" ")[1]);
                } catch (IOException | RuntimeException threadGone) {
                    // Ended between the listing and the read: it no longer waits.
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return nanos / 1e9;
    }
}
