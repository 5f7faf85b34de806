package dev.ranch.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * {@link EchoClient} as a bounded command-line load client for an echo server in another
 * process, the way wrk is for HTTP:
 *
 * <pre>java -cp benchmarks.jar dev.ranch.bench.client.EchoLoad PORT [--connections 100] [--size 64] [--seconds 10]</pre>
 *
 * <p>Connects {@code --connections} sockets to {@code 127.0.0.1:PORT} (the loopback address),
 * prints {@code measuring} once every socket is connected and has its first message in flight,
 * keeps one message of {@code --size} bytes in flight on each for {@code --seconds}, then prints
 * {@code round-trips N seconds S} (round trips completed and the seconds they took, measured from
 * the {@code measuring} line), closes its sockets and exits 0. Exits 1 when a socket fails, the
 * server closes one, or nothing moves for ten seconds; 2 on a bad argument. Runs on the main
 * thread only.
 */
public final class EchoLoad {

    /** Round trips awaited between two looks at the clock: small against any second of load. */
    private static final int STEP = 256;

    private EchoLoad() {}

    /** Runs the load; see the class comment for the arguments and what it prints. */
    public static void main(String[] args) {
        int port;
        int connections = 100;
        int size = 64;
        double seconds = 10;
        try {
            if (args.length == 0 || args.length % 2 == 0) {
                throw new IllegalArgumentException("PORT and option values are required");
            }
            port = Integer.parseInt(args[0]);
            for (int i = 1; i < args.length; i += 2) {
                switch (args[i]) {
                    case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                    case "--size" -> size = Integer.parseInt(args[i + 1]);
                    case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (connections < 1 || size < 1 || !(seconds > 0)) {
                throw new IllegalArgumentException("--connections, --size and --seconds must be positive");
            }
        } catch (IllegalArgumentException e) {
            System.err.println("usage: EchoLoad PORT [--connections 100] [--size 64] [--seconds 10] (" + e.getMessage() + ")");
            System.exit(2);
            return;
        }
        try (EchoClient client = new EchoClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                connections, size)) {
            System.out.println("measuring");
            System.out.flush();
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            long first = client.completed();
            long now;
            do {
                client.roundTrips(STEP);
                now = System.nanoTime();
            } while (now < deadline);
            System.out.printf("round-trips %d seconds %.6f%n", client.completed() - first, (now - start) / 1e9);
            System.out.flush();
        } catch (IOException | UncheckedIOException e) {
            System.err.println("EchoLoad: " + e);
            System.exit(1);
        }
    }
}
