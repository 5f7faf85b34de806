package dev.ranch.bench;

import dev.ranch.bench.server.Server;
import dev.ranch.bench.server.ServerKind;
import dev.ranch.bench.server.Workload;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * A benchmark server for external load tools (wrk, tcpkali) and for benchmarks that need the
 * server in its own process:
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.ranch.bench.BenchServer MODE PORT [--loops N] [--control]</pre>
 *
 * <p>MODE is {@code <kind>-<workload>}: kind {@code ranch}, {@code netty} (Netty NIO; also
 * {@code netty-nio}) or {@code netty-epoll}; workload {@code echo}, {@code http} (hello world
 * for every GET; {@code ranch-http} also serves {@code POST /echo} and {@code GET /error}, see
 * {@link Workload#HTTP}), {@code chat}, {@code tls-echo} and {@code https-hello} (the same
 * inside TLS with a self-signed {@link dev.ranch.bench.server.LoopbackCertificate}) or
 * {@code ws-echo} (WebSocket echo at {@code /ws}). Every {@link ServerKind} and {@link Workload}
 * combine, so a new workload adds its modes by itself. PORT 0 lets the kernel choose. Prints {@code listening on PORT}
 * once ready and runs until SIGTERM (or Ctrl-C), which closes the server.
 *
 * <p>{@code --loops N} runs N event loops (ranch) or N worker loops (Netty; its acceptor loop is
 * extra) instead of {@link ServerKind#DEFAULT_LOOPS}: {@code scripts/kernel-compare.py} tries
 * Netty at 1 and 2 loops and reports its best.
 *
 * <p>With {@code --control} it also answers one-line commands on standard input, for the
 * benchmark that runs it as a child process, and exits at end of input, so it never outlives
 * its parent: {@code count} answers {@code count N} (open connections), {@code heap} collects
 * garbage and answers {@code heap BYTES} (used heap).
 */
public final class BenchServer {

    private BenchServer() {}

    /** Runs a server; see the class comment for the arguments. */
    public static void main(String[] args) throws Exception {
        String mode = null;
        String port = null;
        int loops = ServerKind.DEFAULT_LOOPS;
        boolean control = false;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--control" -> control = true;
                    case "--loops" -> loops = positive(args[++i]);
                    default -> {
                        if (mode == null) {
                            mode = args[i];
                        } else if (port == null) {
                            port = args[i];
                        } else {
                            throw new IllegalArgumentException("unexpected argument " + args[i]);
                        }
                    }
                }
            }
            if (port == null) {
                throw new IllegalArgumentException("MODE and PORT are required");
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            System.err.println("usage: BenchServer MODE PORT [--loops N] [--control]; MODE: " + modes()
                    + " (" + e.getMessage() + ")");
            System.exit(2);
            return;
        }
        Server server;
        try {
            server = start(mode, Integer.parseInt(port), loops);
        } catch (IllegalArgumentException e) {
            System.err.println("BenchServer: " + e.getMessage());
            System.exit(2);
            return;
        }
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            closed.countDown();
        }, "bench-server-stop"));
        System.out.println("listening on " + server.port());
        System.out.flush();
        if (control) {
            control(server);
            System.exit(0);
        }
        closed.await();
    }

    private static int positive(String value) {
        int n = Integer.parseInt(value);
        if (n < 1) {
            throw new IllegalArgumentException("--loops must be at least 1: " + value);
        }
        return n;
    }

    /** Starts the server of {@code mode} ({@code ranch-echo}, ...) on {@code port}. */
    public static Server start(String mode, int port) {
        return start(mode, port, ServerKind.DEFAULT_LOOPS);
    }

    /**
     * Starts the server of {@code mode} on {@code port} with {@code loops} event loops.
     *
     * @throws IllegalArgumentException when {@code mode} names no kind and workload
     */
    public static Server start(String mode, int port, int loops) {
        // The longest workload that ends the mode: "ranch-tls-echo" is TLS echo, not echo of kind "ranch-tls".
        Workload match = null;
        for (Workload workload : Workload.values()) {
            if (mode.endsWith("-" + workload.id()) && (match == null || workload.id().length() > match.id().length())) {
                match = workload;
            }
        }
        if (match == null) {
            throw new IllegalArgumentException("unknown mode " + mode + "; modes: " + modes());
        }
        String kind = mode.substring(0, mode.length() - match.id().length() - 1);
        return ServerKind.of(kind.equals("netty") ? ServerKind.NETTY_NIO.id() : kind).start(match, port, loops);
    }

    /** Every mode name, for the usage line. */
    static String modes() {
        StringBuilder modes = new StringBuilder();
        for (Workload workload : Workload.values()) {
            for (ServerKind kind : ServerKind.values()) {
                modes.append(modes.length() == 0 ? "" : ", ").append(kind.id()).append('-').append(workload.id());
            }
            modes.append(", netty-").append(workload.id());
        }
        return modes.toString();
    }

    private static void control(Server server) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            switch (line.trim()) {
                case "count" -> System.out.println("count " + server.connections());
                case "heap" -> System.out.println("heap " + usedHeapAfterGc());
                default -> System.out.println("error unknown command " + line.trim());
            }
            System.out.flush();
        }
    }

    /** Used heap after a few full collections, in bytes. */
    static long usedHeapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
