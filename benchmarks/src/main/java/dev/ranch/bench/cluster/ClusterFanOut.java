package dev.ranch.bench.cluster;

import dev.ranch.bench.ChildServer;
import dev.ranch.bench.redis.RedisProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The chat's cross-node fan-out, measured: for each scenario, {@code nodes} chat nodes (each a
 * {@link ChatNode} in its own JVM) on one {@code redis-server} started here, one room of
 * {@code --members} spread over them by {@link RoomLoad}, one sender; prints delivered lines
 * per second and the delivery latency percentiles, per scenario, as a Markdown table row.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.ranch.bench.cluster.ClusterFanOut \
 *     [--members 1000] [--line 64] [--warmup 10] [--seconds 15] [--heap 512m] SCENARIO...
 * </pre>
 *
 * A SCENARIO is {@code NODES@RATE}: {@code 1@10000} is one node alone (no Redis) with 10,000
 * lines per second offered; {@code 2@10000} two nodes through Redis; {@code 1r@10000} one node
 * that still publishes every line to Redis (a cluster of one); RATE {@code max} sends as fast
 * as the first node takes lines (its flow control sets the pace; latencies then include the
 * queue in the sender's socket). Default: {@code 1@1000 2@1000 1@10000 2@10000 1@max 2@max}.
 */
public final class ClusterFanOut {

    private ClusterFanOut() {}

    /** One line of the command: how many nodes, whether through Redis, at what rate (0: closed loop). */
    record Scenario(int nodes, boolean redis, int rate) {
        static Scenario parse(String text) {
            String[] parts = text.split("@", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("scenario NODES@RATE, not " + text);
            }
            boolean redis = parts[0].endsWith("r");
            int nodes = Integer.parseInt(redis ? parts[0].substring(0, parts[0].length() - 1) : parts[0]);
            int rate = parts[1].equals("max") ? 0 : Integer.parseInt(parts[1]);
            if (nodes < 1 || rate < 0) {
                throw new IllegalArgumentException("scenario " + text + ": at least one node, a rate of 0 or more");
            }
            return new Scenario(nodes, redis || nodes > 1, rate);
        }

        @Override
        public String toString() {
            return nodes + " node" + (nodes > 1 ? "s" : "") + (redis ? " via Redis" : " alone")
                    + ", " + (rate == 0 ? "max" : String.format(Locale.ROOT, "%,d/s", rate));
        }
    }

    /** Everything a run needs besides its scenarios. */
    record Settings(int members, int lineBytes, Duration warmup, Duration measure, String heap) {}

    /** Runs the scenarios of the command line in order and prints one table row each. */
    public static void main(String[] args) throws Exception {
        int members = 1000;
        int line = 64;
        int warmup = 10;
        int seconds = 15;
        String heap = "512m";
        List<Scenario> scenarios = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--members" -> members = Integer.parseInt(args[++i]);
                case "--line" -> line = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--heap" -> heap = args[++i];
                default -> scenarios.add(Scenario.parse(args[i]));
            }
        }
        if (scenarios.isEmpty()) {
            for (String s : List.of("1@1000", "2@1000", "1@10000", "2@10000", "1@max", "2@max")) {
                scenarios.add(Scenario.parse(s));
            }
        }
        Settings settings = new Settings(members, line, Duration.ofSeconds(warmup), Duration.ofSeconds(seconds), heap);
        System.out.printf(Locale.ROOT, "# %s, %d members, %d-byte lines, warm-up %ds, measured %ds%n",
                Instant.now(), members, line, warmup, seconds);
        System.out.println("| scenario | lines in/s | delivered lines/s | p50 us | p99 us | p99.9 us | max us "
                + "| p99 us same node / other node | lost / members cut | cores used: client, nodes, Redis | waiting for a core, s/s | load before / after |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | --- |");
        for (Scenario scenario : scenarios) {
            System.out.println(row(scenario, run(scenario, settings)));
        }
    }

    /**
     * A scenario's outcome: the room's figures; the cores each process used while measured
     * (CPU seconds per second: this JVM, each node, then Redis if any) and the seconds per
     * second its threads waited for a core; the machine's load average around it; each node's
     * cluster counters.
     */
    record Outcome(RoomLoad.Result result, double[] cores, double[] waits, String loadBefore, String loadAfter,
            List<String> nodeStats) {}

    /** Starts Redis (when the scenario uses it) and the nodes, runs the room, stops them all. */
    static Outcome run(Scenario scenario, Settings settings) throws IOException, InterruptedException {
        String loadBefore = load();
        RedisProcess redis = scenario.redis() ? RedisProcess.start() : null;
        List<ChildServer> nodes = new ArrayList<>();
        try {
            List<InetSocketAddress> addresses = new ArrayList<>();
            for (int i = 0; i < scenario.nodes(); i++) {
                List<String> args = new ArrayList<>(List.of("--port", "0", "--http-port", "0",
                        "--max-connections", "20000"));
                if (redis != null) {
                    args.addAll(List.of("--redis", redis.uri(), "--node-id", "bench-" + i));
                }
                ChildServer node = new ChildServer(ChatNode.class, settings.heap(), args.toArray(new String[0]));
                nodes.add(node);
                addresses.add(new InetSocketAddress(InetAddress.getLoopbackAddress(), node.port()));
            }
            List<CpuClock> clocks = new ArrayList<>();
            clocks.add(new CpuClock(ProcessHandle.current().pid()));
            for (ChildServer node : nodes) {
                clocks.add(new CpuClock(node.pid()));
            }
            if (redis != null) {
                clocks.add(new CpuClock(redis.pid()));
            }
            RoomLoad.Result result;
            try (RoomLoad room = new RoomLoad(addresses, settings.members(), "bench", settings.lineBytes())) {
                result = room.run(scenario.rate(), settings.warmup(), settings.measure(),
                        () -> clocks.forEach(CpuClock::mark));
            }
            double[] cores = new double[clocks.size()];
            double[] waits = new double[clocks.size()];
            for (int i = 0; i < cores.length; i++) {
                cores[i] = clocks.get(i).used() / result.seconds();
                waits[i] = clocks.get(i).waited() / result.seconds();
            }
            List<String> stats = new ArrayList<>();
            for (ChildServer node : nodes) {
                stats.add(node.ask("stats"));
            }
            return new Outcome(result, cores, waits, loadBefore, load(), stats);
        } finally {
            for (ChildServer node : nodes) {
                node.close();
            }
            if (redis != null) {
                redis.close();
            }
        }
    }

    static String row(Scenario scenario, Outcome outcome) {
        RoomLoad.Result r = outcome.result();
        return String.format(Locale.ROOT, "| %s | %,.0f | %,.0f | %s | %s | %s | %s | %s / %s | %,d / %d | %s | %s | %s / %s |",
                scenario, r.linesInPerSecond(), r.deliveredPerSecond(),
                micros(r.all().percentile(0.50)), micros(r.all().percentile(0.99)),
                micros(r.all().percentile(0.999)), micros(r.all().max()),
                micros(r.local().percentile(0.99)), r.remote().count() == 0 ? "-" : micros(r.remote().percentile(0.99)),
                r.lost(), r.cut(), cores(outcome.cores()), cores(outcome.waits()), outcome.loadBefore(), outcome.loadAfter())
                + (scenario.redis() ? " <!-- " + String.join("; ", outcome.nodeStats()) + " -->" : "");
    }

    private static String cores(double[] cores) {
        StringBuilder out = new StringBuilder();
        for (double c : cores) {
            out.append(out.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", c));
        }
        return out.toString();
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%,.0f", nanos / 1e3);
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
