package dev.ranch.redis.test;

import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.Patience;
import dev.ranch.core.test.SystemPackages;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.redis.RedisOptions;

import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real {@code redis-server} (Debian's {@code redis-server} package, installed through
 * {@link SystemPackages} when missing; the calling test is skipped with the reason when that
 * is impossible) on a free loopback port, in a temporary directory of its own, persisting
 * nothing ({@code --save ''}, {@code --appendonly no}). Extra arguments go on its command
 * line ({@code "--requirepass", "secret"}, {@code "--client-output-buffer-limit", "pubsub 64kb 0 0"}).
 * It can be stopped, killed ({@code SIGKILL}) and restarted on the same port, with the same
 * arguments and an empty data set. {@link #close()} stops it and deletes its directory.
 *
 * <p>For the tests of ranch-redis and of the modules built on it (the chat cluster,
 * benchmarks), from the ranch-redis test-jar. Thread-safe enough for one test: not meant to be
 * restarted from two threads at once.
 */
public final class RedisServer implements AutoCloseable {

    private final Path executable;
    private final int port;
    private final Path directory;
    private final List<String> extraArgs;
    private final String password;
    private final boolean tls;
    private volatile ExternalProcess process;

    private RedisServer(Path executable, int port, Path directory, List<String> extraArgs, boolean tls) {
        this.executable = executable;
        this.port = port;
        this.directory = directory;
        this.extraArgs = extraArgs;
        this.tls = tls;
        int at = extraArgs.indexOf("--requirepass");
        this.password = at >= 0 && at + 1 < extraArgs.size() ? extraArgs.get(at + 1) : null;
    }

    /**
     * Starts {@code redis-server} with {@code extraArgs} appended to its command line and
     * waits until it answers.
     *
     * @throws org.opentest4j.TestAbortedException when redis-server is missing and cannot be installed
     * @throws AssertionError when it exits or does not answer within {@link Patience#PATIENCE}
     */
    public static RedisServer start(String... extraArgs) {
        return start(false, extraArgs);
    }

    /**
     * As {@link #start}, serving TLS only, with the test CA's {@code localhost} certificate
     * ({@link TestCertificates}); {@link #options()} then trusts the test CA.
     */
    public static RedisServer startTls(String... extraArgs) {
        return start(true, extraArgs);
    }

    private static RedisServer start(boolean tls, String... extraArgs) {
        Path executable = SystemPackages.require("redis-server", "redis-server");
        Path directory;
        try {
            directory = Files.createTempDirectory("ranch-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisServer server = new RedisServer(executable, Loopback.freePort(), directory, List.of(extraArgs), tls);
        server.startProcess();
        return server;
    }

    /** The loopback address it listens on. */
    public String host() {
        return InetAddress.getLoopbackAddress().getHostAddress();
    }

    /** The port it listens on, the same across restarts. */
    public int port() {
        return port;
    }

    /** Its {@code redis://host:port} URI (without the password; {@code rediss://} with TLS). */
    public String uri() {
        return (tls ? "rediss://" : "redis://") + host() + ":" + port;
    }

    /** Client options aimed at it (host, port and, when {@code --requirepass} was given, the password). */
    public RedisOptions.Builder options() {
        RedisOptions.Builder options = RedisOptions.builder().host(host()).port(port);
        if (tls) {
            options.tls(TlsOptions.clientBuilder(TestCertificates.get().clientContext(), "localhost").build());
        }
        return password == null ? options : options.password(password);
    }

    /** Its working directory. */
    public Path directory() {
        return directory;
    }

    /** What it logged so far (this run). */
    public String output() {
        ExternalProcess p = process;
        return p == null ? "" : p.output();
    }

    /** Whether it is running. */
    public boolean isRunning() {
        ExternalProcess p = process;
        return p != null && p.isAlive();
    }

    /** Stops it politely ({@code SIGTERM}: it closes its clients' connections). Idempotent. */
    public void stop() {
        ExternalProcess p = process;
        process = null;
        if (p != null) {
            p.close();
        }
    }

    /** Kills it with {@code SIGKILL}: connections are reset by the kernel, nothing is said. Idempotent. */
    public void kill() {
        ExternalProcess p = process;
        process = null;
        if (p != null) {
            p.kill();
        }
    }

    /** Stops it if it runs, then starts it again on the same port with the same arguments, empty. */
    public void restart() {
        stop();
        startProcess();
    }

    /** Starts it again after {@link #stop()} or {@link #kill()}, on the same port. */
    public void startAgain() {
        if (isRunning()) {
            throw new IllegalStateException("redis-server on port " + port + " is running");
        }
        startProcess();
    }

    /**
     * Runs one command on a connection of its own (authenticated when the server has a
     * password) and returns the RESP2 reply: a {@code String} for a simple or bulk string, a
     * {@code Long} for an integer, {@code null} for a null, a {@code List<Object>} for an array.
     * For tests to set up and inspect the server ({@code CONFIG SET}, {@code CLIENT KILL},
     * {@code PUBSUB NUMSUB}) independently of the client under test.
     *
     * @throws IllegalStateException when Redis answers with an error (its message)
     * @throws UncheckedIOException when the server cannot be reached
     */
    public Object call(String... command) {
        try (Socket socket = socket(5_000)) {
            socket.setSoTimeout((int) Patience.PATIENCE.toMillis());
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            if (password != null) {
                out.write(encode("AUTH", password));
                read(in);
            }
            out.write(encode(command));
            out.flush();
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach redis-server on port " + port, e);
        }
    }

    /** Stops it and deletes its directory. */
    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // A temporary directory; the OS cleans it eventually.
        }
    }

    @Override
    public String toString() {
        return "redis-server on port " + port + " in " + directory;
    }

    private void startProcess() {
        List<String> command = new ArrayList<>(List.of(executable.toString(),
                "--port", Integer.toString(tls ? 0 : port),
                "--bind", host(),
                "--dir", directory.toString(),
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "no",
                "--logfile", ""));
        if (tls) {
            TestCertificates certificates = TestCertificates.get();
            command.addAll(List.of("--tls-port", Integer.toString(port),
                    "--tls-cert-file", certificates.certificatePem(TestCertificates.Identity.SERVER).toString(),
                    "--tls-key-file", certificates.keyPem(TestCertificates.Identity.SERVER).toString(),
                    "--tls-ca-cert-file", certificates.caPem().toString(),
                    "--tls-auth-clients", "no"));
        }
        command.addAll(extraArgs);
        ExternalProcess started = ExternalProcess.start(command);
        process = started;
        try {
            awaitAnswering(started);
        } catch (RuntimeException | AssertionError e) {
            started.close();
            process = null;
            throw e;
        }
    }

    private void awaitAnswering(ExternalProcess started) {
        await("redis-server answers on port " + port + " (log " + started.log() + ")")
                .atMost(Patience.PATIENCE)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> {
                    if (!started.isAlive()) {
                        throw new AssertionError("redis-server exited:\n" + started.output());
                    }
                    try (Socket probe = socket(1000)) {
                        probe.setSoTimeout(1000);
                        probe.getOutputStream().write(encode("PING"));
                        String line = line(probe.getInputStream());
                        // With a password a PING is refused (NOAUTH), which still proves it serves.
                        return line.equals("+PONG") || line.startsWith("-NOAUTH");
                    } catch (IOException notYet) {
                        return false;
                    }
                });
    }

    private Socket socket(int connectTimeoutMillis) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host(), port), connectTimeoutMillis);
            if (!tls) {
                return socket;
            }
            SSLSocket secure = (SSLSocket) TestCertificates.get().clientContext().getSocketFactory()
                    .createSocket(socket, "localhost", port, true);
            secure.startHandshake();
            return secure;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    private static byte[] encode(String... args) {
        StringBuilder out = new StringBuilder().append('*').append(args.length).append("\r\n");
        for (String arg : args) {
            byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
            out.append('$').append(bytes.length).append("\r\n").append(arg).append("\r\n");
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Object read(InputStream in) throws IOException {
        String line = line(in);
        if (line.isEmpty()) {
            throw new IOException("empty reply line");
        }
        String rest = line.substring(1);
        switch (line.charAt(0)) {
            case '+':
                return rest;
            case '-':
                throw new IllegalStateException(rest);
            case ':':
                return Long.parseLong(rest);
            case '$': {
                int length = Integer.parseInt(rest);
                if (length < 0) {
                    return null;
                }
                byte[] bytes = in.readNBytes(length + 2);
                return new String(bytes, 0, length, StandardCharsets.UTF_8);
            }
            case '*': {
                int count = Integer.parseInt(rest);
                if (count < 0) {
                    return null;
                }
                List<Object> elements = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    elements.add(read(in));
                }
                return elements;
            }
            default:
                throw new IOException("unexpected reply line " + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed mid-reply");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }
}
