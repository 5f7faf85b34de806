package dev.ranch.bench.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} for one benchmark trial: a free loopback port, persisting nothing,
 * output discarded. The benchmarks run from a jar, without the test fixtures, so this is their
 * own small launcher; the program must be installed (Debian's {@code redis-server}).
 */
public final class RedisProcess implements AutoCloseable {

    private static final List<String> DIRECTORIES = List.of("/usr/local/bin", "/usr/bin", "/usr/local/sbin", "/usr/sbin");

    private final Process process;
    private final int port;

    private RedisProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts one and waits until it answers {@code PING}.
     *
     * @throws IOException when redis-server is missing or does not answer within 10 s
     */
    public static RedisProcess start() throws IOException {
        Path program = DIRECTORIES.stream().map(d -> Path.of(d, "redis-server")).filter(Files::isExecutable)
                .findFirst().orElseThrow(() -> new IOException("redis-server is not installed (apt-get install redis-server)"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Process process = new ProcessBuilder(program.toString(), "--port", Integer.toString(port),
                "--bind", InetAddress.getLoopbackAddress().getHostAddress(), "--save", "", "--appendonly", "no",
                "--daemonize", "no")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        RedisProcess redis = new RedisProcess(process, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!redis.answers()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                redis.close();
                throw new IOException("redis-server on port " + port + " did not answer PING");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                redis.close();
                throw new IOException("interrupted while starting redis-server", e);
            }
        }
        return redis;
    }

    /** Its loopback port. */
    public int port() {
        return port;
    }

    private boolean answers() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] reply = in.readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Stops it and waits for it to exit. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
