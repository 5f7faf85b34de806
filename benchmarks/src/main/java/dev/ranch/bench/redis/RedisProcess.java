package dev.ranch.bench.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code redis-server} for a benchmark: on a free loopback port, in a temporary directory of
 * its own, persisting nothing, its log in a file there. The test-side {@code RedisServer}
 * fixture of ranch-redis does the same for tests, but lives in a test-jar built on JUnit and
 * awaitility, which a JMH jar should not carry; this one needs neither, and leaves installing
 * Redis to whoever runs it (Debian's {@code redis-server}; the smoke tests install it through
 * {@code SystemPackages}).
 *
 * <p>Not thread-safe: started and closed by one thread.
 */
public final class RedisProcess implements AutoCloseable {

    private static final long START_MILLIS = 10_000;

    private final Process process;
    private final Path directory;
    private final int port;

    private RedisProcess(Process process, Path directory, int port) {
        this.process = process;
        this.directory = directory;
        this.port = port;
    }

    /**
     * Starts {@code redis-server} ({@code $REDIS_SERVER}, else {@code /usr/bin/redis-server},
     * else the first on {@code PATH}) with {@code extraArgs} appended, and waits until it
     * answers {@code PING}. Benchmark thread.
     *
     * @throws IOException when there is no redis-server, or it exits or stays silent for ten seconds
     */
    public static RedisProcess start(String... extraArgs) throws IOException {
        Path executable = executable();
        Path directory = Files.createTempDirectory("ranch-bench-redis-");
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(executable.toString(),
                "--port", Integer.toString(port),
                "--bind", InetAddress.getLoopbackAddress().getHostAddress(),
                "--dir", directory.toString(),
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--logfile", directory.resolve("redis.log").toString()));
        command.addAll(List.of(extraArgs));
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("stdout.log").toFile())
                .start();
        RedisProcess redis = new RedisProcess(process, directory, port);
        try {
            redis.awaitPong();
        } catch (IOException | RuntimeException e) {
            redis.close();
            throw e;
        }
        return redis;
    }

    /** Whether {@code redis-server} can be found where {@link #start} looks. */
    public static boolean available() {
        try {
            executable();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path executable() throws IOException {
        String configured = System.getenv("REDIS_SERVER");
        if (configured != null && !configured.isEmpty()) {
            return Path.of(configured);
        }
        Path debian = Path.of("/usr/bin/redis-server");
        if (Files.isExecutable(debian)) {
            return debian;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IOException("no redis-server: install Debian's redis-server or set REDIS_SERVER");
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private void awaitPong() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_MILLIS);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("redis-server exited: " + log());
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                probe.setSoTimeout(1000);
                OutputStream out = probe.getOutputStream();
                out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = probe.getInputStream();
                byte[] pong = in.readNBytes(7);
                if (new String(pong, StandardCharsets.US_ASCII).equals("+PONG\r\n")) {
                    return;
                }
            } catch (IOException notYet) {
                // Still starting: try again until the deadline.
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("redis-server silent on port " + port + " after " + START_MILLIS + " ms: "
                        + log());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while redis-server starts", e);
            }
        }
    }

    private String log() {
        try {
            return Files.readString(directory.resolve("redis.log")) + Files.readString(directory.resolve("stdout.log"));
        } catch (IOException | UncheckedIOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Its loopback port. */
    public int port() {
        return port;
    }

    /** Its loopback host, as an address literal. */
    public String host() {
        return InetAddress.getLoopbackAddress().getHostAddress();
    }

    /** Its {@code redis://host:port} URI. */
    public String uri() {
        return "redis://" + host() + ":" + port;
    }

    /** The operating system's process id, for profilers. */
    public long pid() {
        return process.pid();
    }

    /** Stops it ({@code SIGTERM}, then {@code SIGKILL} after five seconds) and deletes its directory. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory; the OS cleans it eventually.
        }
    }

    @Override
    public String toString() {
        return "redis-server on port " + port;
    }
}
