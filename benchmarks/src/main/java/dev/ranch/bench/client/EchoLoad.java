package dev.ranch.bench.client;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A bounded echo load from its own process, for counting what a server process does per
 * round trip: {@link EchoClient} load (a warm-up, then a measured window) against a
 * {@code BenchServer} on loopback, while {@code perf stat} counts the server's system calls:
 *
 * <pre>java -cp benchmarks.jar dev.ranch.bench.client.EchoLoad PORT SERVER_PID [CONNECTIONS SIZE WARMUP_S MEASURE_S]</pre>
 *
 * <p>Defaults: 100 connections, 64 B, 5 s warm-up, 10 s measured. It prints round trips per
 * second, the server's user and system CPU per round trip (from {@code /proc/PID/stat}, in
 * clock ticks of 10 ms, so figures under a few thousand ticks are coarse), and each syscall
 * {@code perf stat -e 'syscalls:sys_enter_*'} counted in the server during the window, per
 * round trip, with the server's task clock (CPU time) and context switches (how often its
 * threads blocked or were preempted) per round trip (none of these when {@code perf} cannot run). Loopback only, bounded in time.
 */
public final class EchoLoad {

    private static final double TICK_SECONDS = 0.01;

    private EchoLoad() {}

    /** Runs the load; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        if (args.length != 2 && args.length != 6) {
            System.err.println("usage: EchoLoad PORT SERVER_PID [CONNECTIONS SIZE WARMUP_S MEASURE_S]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        long pid = Long.parseLong(args[1]);
        int connections = args.length == 6 ? Integer.parseInt(args[2]) : 100;
        int size = args.length == 6 ? Integer.parseInt(args[3]) : 64;
        long warmupNanos = TimeUnit.SECONDS.toNanos(args.length == 6 ? Long.parseLong(args[4]) : 5);
        long measureSeconds = args.length == 6 ? Long.parseLong(args[5]) : 10;
        Path dir = Files.createTempDirectory("echoload");
        Path perfOut = dir.resolve("perf.csv");
        try (EchoClient client = new EchoClient(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), port), connections, size)) {
            Perf perf = Perf.start(pid, dir);
            long end = System.nanoTime() + warmupNanos;
            while (System.nanoTime() < end) {
                client.roundTrips(1000);
            }
            // The counters run exactly while the round trips below are counted.
            if (perf != null) {
                perf.command("enable");
            }
            long[] cpuBefore = cpuTicks(pid);
            long before = client.completed();
            long start = System.nanoTime();
            end = start + TimeUnit.SECONDS.toNanos(measureSeconds);
            while (System.nanoTime() < end) {
                client.roundTrips(1000);
            }
            long ops = client.completed() - before;
            double seconds = (System.nanoTime() - start) / 1e9;
            long[] cpuAfter = cpuTicks(pid);
            if (perf != null) {
                perf.command("disable");
            }
            System.out.printf("round trips/s %.0f (%d in %.2f s, %d connections, %d B)%n",
                    ops / seconds, ops, seconds, connections, size);
            double user = (cpuAfter[0] - cpuBefore[0]) * TICK_SECONDS;
            double system = (cpuAfter[1] - cpuBefore[1]) * TICK_SECONDS;
            System.out.printf("server cpu per op: user %.2f us, system %.2f us, total %.2f us%n",
                    user / ops * 1e6, system / ops * 1e6, (user + system) / ops * 1e6);
            if (perf != null && perf.finish()) {
                printSyscalls(perfOut, ops);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    /**
     * {@code perf stat} attached to the server, started with its counters off and switched
     * through a control FIFO, so that its window is the measured window however long perf
     * takes to attach. Its workload is a {@code cat} of its standard input: closing that ends it.
     */
    private record Perf(Process process, Path control, Path ack) {

        /** Attaches perf to {@code pid}, or returns {@code null} when it cannot run. */
        static Perf start(long pid, Path dir) throws IOException, InterruptedException {
            Path control = dir.resolve("control");
            Path ack = dir.resolve("ack");
            try {
                if (new ProcessBuilder("mkfifo", control.toString(), ack.toString()).start().waitFor() != 0) {
                    System.out.println("perf skipped: mkfifo failed");
                    return null;
                }
                Process process = new ProcessBuilder("perf", "stat", "-x", ",", "-o", dir.resolve("perf.csv").toString(),
                        "-e", "task-clock,context-switches,cpu-migrations", "-e", "syscalls:sys_enter_*", "-D", "-1", "--control", "fifo:" + control + "," + ack,
                        "-p", Long.toString(pid), "--", "cat")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                return new Perf(process, control, ack);
            } catch (IOException e) {
                System.out.println("perf unavailable: " + e.getMessage());
                return null;
            }
        }

        /** Sends {@code enable} or {@code disable} and waits for perf's acknowledgement. */
        void command(String command) throws IOException {
            Files.writeString(control, command + "\n");
            try (var in = Files.newBufferedReader(ack)) {
                String answer = in.readLine();
                if (!"ack".equals(answer)) {
                    throw new IOException("perf answered " + answer + " to " + command);
                }
            }
        }

        /** Ends perf and waits for its counts; {@code false} when it did not finish in time. */
        boolean finish() throws IOException, InterruptedException {
            process.getOutputStream().close();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
    }

    private static void printSyscalls(Path perfOut, long ops) throws IOException {
        List<String[]> counted = new ArrayList<>();
        long total = 0;
        for (String line : Files.readAllLines(perfOut, StandardCharsets.UTF_8)) {
            String[] fields = line.split(",");
            if (fields.length >= 3 && (fields[2].equals("task-clock") || fields[2].equals("context-switches")
                    || fields[2].equals("cpu-migrations"))) {
                // task-clock is in milliseconds: the server's threads' time on a core, to the nanosecond.
                double perOp = Double.parseDouble(fields[0]) / ops * (fields[2].equals("task-clock") ? 1000 : 1);
                System.out.printf("%s per op %.4f%s%n", fields[2], perOp, fields[2].equals("task-clock") ? " us" : "");
                continue;
            }
            if (fields.length < 3 || !fields[2].startsWith("syscalls:sys_enter_")) {
                continue;
            }
            long count;
            try {
                count = Long.parseLong(fields[0]);
            } catch (NumberFormatException notCounted) {
                continue;
            }
            if (count > 0) {
                counted.add(new String[] {fields[2].substring("syscalls:sys_enter_".length()), fields[0]});
                total += count;
            }
        }
        counted.sort((a, b) -> Long.compare(Long.parseLong(b[1]), Long.parseLong(a[1])));
        System.out.printf("syscalls per op %.3f%n", (double) total / ops);
        for (String[] entry : counted) {
            double perOp = Long.parseLong(entry[1]) / (double) ops;
            if (perOp >= 0.0005) {
                System.out.printf("  %-16s %.4f%n", entry[0], perOp);
            }
        }
    }

    /** The process's user and system time so far, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
    private static long[] cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(fields[11]), Long.parseLong(fields[12])};
    }
}
