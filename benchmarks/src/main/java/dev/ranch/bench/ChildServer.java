package dev.ranch.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BenchServer} in a child JVM under {@code --control}: its heap holds the server
 * alone, and it has its own descriptor limit, so a benchmark can hold as many client sockets
 * as the server holds connections.
 */
public final class ChildServer implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;
    private final PrintWriter in;
    private final int port;

    /** Starts {@code mode} on a kernel-chosen port with {@code -Xmx<maxHeap>} and waits until it listens. */
    public ChildServer(String mode, String maxHeap) throws IOException {
        this(BenchServer.class, maxHeap, mode, "0", "--control");
    }

    /**
     * Runs {@code main} with {@code args} and {@code -Xmx<maxHeap>} on this JVM's class path and
     * waits for its {@code listening on PORT} line. {@code main} must follow
     * {@link BenchServer}'s {@code --control} conventions: that first line, one answer line per
     * command line on its standard input, exit at end of input.
     */
    public ChildServer(Class<?> main, String maxHeap, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(List.of(args));
        process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        try {
            port = Integer.parseInt(expect("listening on "));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The child's port. */
    public int port() {
        return port;
    }

    /** The child's process id, for profilers and CPU accounting. */
    public long pid() {
        return process.pid();
    }

    /** Connections open in the child. */
    public int connections() throws IOException {
        return Integer.parseInt(ask("count"));
    }

    /** The child's used heap after full collections, in bytes. */
    public long usedHeapAfterGc() throws IOException {
        return Long.parseLong(ask("heap"));
    }

    /**
     * Sends {@code command} and returns the child's answer without the command's name: the
     * child answers {@code count} with {@code count 12}, so this returns {@code "12"}.
     *
     * @throws IOException when the child answers anything else or has exited
     */
    public String ask(String command) throws IOException {
        in.println(command);
        return expect(command + " ");
    }

    /** Waits until the child has {@code n} connections open. */
    public void awaitConnections(int n, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        int seen;
        while ((seen = connections()) != n) {
            if (System.nanoTime() > deadline) {
                throw new IOException("child server has " + seen + " connections, expected " + n);
            }
            Thread.sleep(10);
        }
    }

    private String expect(String prefix) throws IOException {
        String line = out.readLine();
        if (line == null || !line.startsWith(prefix)) {
            throw new IOException("child server said " + line + ", expected " + prefix + "...");
        }
        return line.substring(prefix.length()).trim();
    }

    /** Ends the child (end of its input, then destroy) and waits for it. */
    @Override
    public void close() {
        in.close();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroy();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            process.destroyForcibly();
        }
    }
}
