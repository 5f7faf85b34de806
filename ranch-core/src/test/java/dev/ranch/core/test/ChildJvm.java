package dev.ranch.core.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A server in a child JVM, for figures that must not include the test's own clients: its heap
 * holds the server alone, its threads and descriptors are its own, and it has a descriptor
 * limit of its own, so the test can hold as many client sockets as the child holds
 * connections. The child's {@code main} serves a {@link ChildCommands}: it prints
 * {@code READY <port>} once listening, answers one command per line, and exits when its
 * standard input ends, so it never outlives the test (the JVM's end closes that input).
 * Lines the child prints that are not answers (its log) are kept for failure messages.
 * Methods are for the test thread.
 */
public final class ChildJvm implements AutoCloseable {

    /** How long a cold child JVM on a loaded machine may take to start and listen. */
    public static final Duration START_PATIENCE = Duration.ofSeconds(60);
    /** How long one command may take (a {@code heap} runs full collections). */
    private static final Duration ANSWER_PATIENCE = Duration.ofSeconds(60);

    private final Process process;
    private final PrintWriter in;
    private final BlockingQueue<String> answers = new ArrayBlockingQueue<>(1024);
    private final List<String> log = new ArrayList<>();
    private final int port;

    private ChildJvm(Process process) {
        this.process = process;
        this.in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(this::readOutput, "child-jvm-output-" + process.pid());
        reader.setDaemon(true);
        reader.start();
        this.port = Integer.parseInt(answer("READY ", START_PATIENCE));
    }

    /**
     * Starts {@code mainClass} with this JVM's class path, {@code -Xmx<maxHeap>} and
     * {@code args}, and waits until it prints {@code READY <port>}.
     *
     * @throws AssertionError when it exits or does not get ready within {@link #START_PATIENCE}
     */
    public static ChildJvm start(Class<?> mainClass, String maxHeap, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + maxHeap);
        command.add("-Xms" + maxHeap);  // a fixed heap, so "used after GC" is not blurred by resizing
        command.add("-XX:+UseSerialGC");  // one collector thread: the figures are the server's, on 2 cores
        command.add("-cp");
        // Under surefire's manifest-only jar this names that jar, whose manifest lists the real path.
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            try {
                return new ChildJvm(process);
            } catch (RuntimeException | AssertionError e) {
                process.destroyForcibly();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + mainClass.getName(), e);
        }
    }

    /** The port the child listens on, from its {@code READY} line. */
    public int port() {
        return port;
    }

    /** The child's used heap after full collections, in bytes ({@code heap}). */
    public long heapAfterGc() {
        return Long.parseLong(ask("heap"));
    }

    /** The child's live threads ({@code threads}). */
    public int threads() {
        return Integer.parseInt(ask("threads"));
    }

    /** The child's open file descriptors ({@code fds}), or -1 where they cannot be listed. */
    public int fileDescriptors() {
        return Integer.parseInt(ask("fds"));
    }

    /**
     * Sends {@code command} (one line) and returns the child's answer, the line it prints in
     * reply without the {@code command} word and its space.
     *
     * @throws AssertionError when the child answers {@code ERROR ...}, dies or does not answer
     */
    public String ask(String command) {
        in.println(command);
        String word = command.split(" ", 2)[0];
        String value = answer(word + " ", ANSWER_PATIENCE);
        if (value.startsWith("ERROR")) {
            throw new AssertionError("the child failed \"" + command + "\": " + value + "; its output: " + output());
        }
        return value;
    }

    /**
     * Waits until {@code command}'s answer stays the same for {@code hold} (asked every
     * {@code hold / 4}), at most {@code atMost}: the child has settled, say its traffic stopped.
     *
     * @return the settled answer
     * @throws org.awaitility.core.ConditionTimeoutException when it keeps changing
     */
    public String awaitSteady(String command, Duration hold, Duration atMost) {
        String[] last = {ask(command)};
        long[] since = {System.nanoTime()};
        await("the child's \"" + command + "\" holds still for " + hold).atMost(atMost)
                .pollInterval(hold.dividedBy(4))
                .until(() -> {
                    String now = ask(command);
                    if (!now.equals(last[0])) {
                        last[0] = now;
                        since[0] = System.nanoTime();
                    }
                    return System.nanoTime() - since[0] >= hold.toNanos();
                });
        return last[0];
    }

    private String answer(String prefix, Duration patience) {
        try {
            String line = answers.poll(patience.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new AssertionError("the child did not say \"" + prefix + "...\" within " + patience
                        + (process.isAlive() ? "" : " (it exited with " + process.exitValue() + ")")
                        + "; its output: " + output());
            }
            if (!line.startsWith(prefix)) {
                throw new AssertionError("the child said \"" + line + "\", expected \"" + prefix
                        + "...\"; its output: " + output());
            }
            return line.substring(prefix.length()).trim();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for the child", e);
        }
    }

    /** The child's log lines so far (everything it printed that was not an answer). */
    public List<String> output() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    private void readOutput() {
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.startsWith(ChildCommands.ANSWER_MARK)) {
                    answers.offer(line.substring(ChildCommands.ANSWER_MARK.length()));
                } else {
                    synchronized (log) {
                        if (log.size() < 2000) {
                            log.add(line);
                        }
                    }
                }
            }
        } catch (IOException ignored) {
            // The child is gone; a waiting answer() says so.
        }
    }

    /**
     * Ends the child: closes its standard input, which makes it stop its server and exit,
     * and kills it if it has not within 20 s.
     *
     * @return the child's exit code (-1 if it had to be killed)
     */
    public int stop() {
        in.close();
        try {
            if (process.waitFor(20, TimeUnit.SECONDS)) {
                return process.exitValue();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        return -1;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }
}
