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
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(BenchServer.class.getName());
        command.add(mode);
        command.add("0");
        command.add("--control");
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

    /** Connections open in the child. */
    public int connections() throws IOException {
        in.println("count");
        return Integer.parseInt(expect("count "));
    }

    /** The child's used heap after full collections, in bytes. */
    public long usedHeapAfterGc() throws IOException {
        in.println("heap");
        return Long.parseLong(expect("heap "));
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
