package dev.ranch.chat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A {@link ChatClient} run in this JVM as a person at a terminal would: lines typed into its
 * standard input, lines read from its standard output one by one, its status messages (on
 * standard error) kept. Closing it ends its input, which ends the client. Test thread only.
 */
final class TerminalClient implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);

    private final PipedOutputStream typing = new PipedOutputStream();
    private final BlockingQueue<String> printed = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream status = new ByteArrayOutputStream();
    private final Thread client;
    private final Thread reader;

    private TerminalClient(String host, int port) throws IOException {
        PipedInputStream stdin = new PipedInputStream(typing);
        PipedOutputStream stdoutEnd = new PipedOutputStream();
        PipedInputStream stdout = new PipedInputStream(stdoutEnd, 64 * 1024);
        PrintStream out = new PrintStream(stdoutEnd, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (status) {
                    status.write(b);
                }
            }
        }, true, StandardCharsets.UTF_8);
        client = new Thread(() -> {
            ChatClient.run(new String[] {"--host", host, "--port", Integer.toString(port)}, stdin, out, err);
            out.close();
        }, "terminal-client-" + port);
        reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    printed.add(line);
                }
            } catch (IOException ended) {
                // The client is gone.
            }
        }, "terminal-client-output-" + port);
        client.start();
        reader.start();
    }

    /** Starts a client of the chat at {@code host:port}. */
    static TerminalClient connect(String host, int port) {
        try {
            return new TerminalClient(host, port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Types {@code line} and Enter. */
    TerminalClient type(String line) {
        try {
            typing.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            typing.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next line the client printed, waiting at most {@link #WAIT}. */
    String readLine() {
        try {
            String line = printed.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new AssertionError("the terminal client printed nothing for " + WAIT + "; its status:\n" + status());
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Reads the next printed line and checks it. */
    TerminalClient expect(String line) {
        assertEquals(line, readLine(), "status:\n" + status());
        return this;
    }

    /** What the client said on its standard error so far (connecting, disconnected...). */
    String status() {
        synchronized (status) {
            return status.toString(StandardCharsets.UTF_8);
        }
    }

    /** Ends its input (Ctrl-D) and waits for it to quit. */
    @Override
    public void close() {
        try {
            typing.close();
        } catch (IOException ignored) {
            // Closed already.
        }
        try {
            client.join(WAIT.toMillis());
            reader.join(WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
