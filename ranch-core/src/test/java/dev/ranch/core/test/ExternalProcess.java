package dev.ranch.core.test;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;

/**
 * A program a test runs beside the server (openssl, curl, haproxy, apt-get): its standard
 * output and error go to one log file under {@code target/external-processes}, which the test
 * reads while it runs and which stays behind for a post-mortem. Every process is killed, with
 * its children, when {@link #close()} runs, when the {@link Tracker} it was started through
 * finishes its test, or at the latest when the JVM exits, so no program outlives its test run.
 * Methods may be called from any thread.
 */
public final class ExternalProcess implements AutoCloseable {

    private static final Path LOGS = Path.of("target", "external-processes");
    private static final AtomicInteger SEQUENCE = new AtomicInteger();
    private static final Set<ExternalProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        // Backstop for a test that forgot close(), or a JVM stopped by surefire's timeout.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(RUNNING).forEach(ExternalProcess::close),
                "external-process-reaper"));
    }

    private final List<String> command;
    private final Process process;
    private final Path log;

    private ExternalProcess(List<String> command, Process process, Path log) {
        this.command = command;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code command} (program first) in the current directory with this JVM's
     * environment; the program's standard input stays open for {@link #write}.
     *
     * @throws UncheckedIOException when the program cannot be started (not installed)
     */
    public static ExternalProcess start(List<String> command) {
        return start(Map.of(), command);
    }

    /**
     * Starts {@code command} with this JVM's environment plus {@code environment}; see
     * {@link #start(List)}.
     */
    public static ExternalProcess start(Map<String, String> environment, List<String> command) {
        try {
            Files.createDirectories(LOGS);
            String program = Path.of(command.get(0)).getFileName().toString();
            Path log = LOGS.resolve(program + "-" + ProcessHandle.current().pid() + "-"
                    + SEQUENCE.incrementAndGet() + ".log").toAbsolutePath();
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            ExternalProcess started = new ExternalProcess(List.copyOf(command), builder.start(), log);
            RUNNING.add(started);
            return started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** Starts {@code command}; see {@link #start(List)}. */
    public static ExternalProcess start(String... command) {
        return start(List.of(command));
    }

    /**
     * Runs {@code command} to its end with its standard input closed, waiting at most
     * {@code timeout}; the process is killed if it takes longer.
     *
     * @return the finished process, for {@link #exitCode()} and {@link #output()}
     * @throws AssertionError when it does not finish in time
     */
    public static ExternalProcess run(Duration timeout, List<String> command) {
        return run(timeout, Map.of(), command);
    }

    /** Runs {@code command} with {@code environment} added; see {@link #run(Duration, List)}. */
    public static ExternalProcess run(Duration timeout, Map<String, String> environment, List<String> command) {
        ExternalProcess process = start(environment, command);
        process.closeInput();
        process.awaitExit(timeout);
        return process;
    }

    /** Runs {@code command} to its end; see {@link #run(Duration, List)}. */
    public static ExternalProcess run(Duration timeout, String... command) {
        return run(timeout, List.of(command));
    }

    /** Writes {@code text} as UTF-8 to the program's standard input and flushes it. */
    public ExternalProcess write(String text) {
        try {
            OutputStream in = process.getOutputStream();
            in.write(text.getBytes(StandardCharsets.UTF_8));
            in.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + this + "; output so far:\n" + output(), e);
        }
    }

    /** Closes the program's standard input, so it sees end of file there. */
    public ExternalProcess closeInput() {
        try {
            process.getOutputStream().close();
        } catch (IOException ignored) {
            // The program has exited already; there is nobody to tell.
        }
        return this;
    }

    /** Everything the program wrote to its standard output and error so far. */
    public String output() {
        try {
            return Files.readString(log, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits at most {@code timeout} until the output contains {@code text}, and returns the
     * output then.
     *
     * @throws org.awaitility.core.ConditionTimeoutException when it does not appear in time
     */
    public String awaitOutput(String text, Duration timeout) {
        await(command.get(0) + " prints \"" + text + "\" (log " + log + ")")
                .atMost(timeout)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> output().contains(text));
        return output();
    }

    /**
     * Waits at most {@code timeout} for the program to exit and returns its exit code.
     *
     * @throws AssertionError when it is still running then (it is killed first)
     */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                close();
                throw new AssertionError(this + " did not exit within " + timeout + "; output:\n" + output());
            }
            RUNNING.remove(this);
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new AssertionError("interrupted while waiting for " + this, e);
        }
    }

    /** The exit code of a program that has exited. */
    public int exitCode() {
        return process.exitValue();
    }

    /** Whether the program is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The file holding the program's output. */
    public Path log() {
        return log;
    }

    /**
     * Stops the program and every process it started: a polite signal first, then, after a
     * second, a kill. Idempotent.
     */
    @Override
    public void close() {
        RUNNING.remove(this);
        List<ProcessHandle> family = new ArrayList<>();
        process.descendants().forEach(family::add);
        family.add(process.toHandle());
        family.forEach(ProcessHandle::destroy);
        for (ProcessHandle member : family) {
            try {
                member.onExit().get(1, TimeUnit.SECONDS);
            } catch (Exception stillThere) {
                member.destroyForcibly();
            }
        }
    }

    /**
     * Kills the program and every process it started with {@code SIGKILL}, giving it no
     * chance to clean up (a crash, as far as its peers can tell), and waits for it to be gone.
     */
    public void kill() {
        RUNNING.remove(this);
        List<ProcessHandle> family = new ArrayList<>();
        process.descendants().forEach(family::add);
        family.add(process.toHandle());
        family.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle member : family) {
            try {
                member.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError("process " + member.pid() + " survived SIGKILL for 10 s", e);
            }
        }
    }

    @Override
    public String toString() {
        return String.join(" ", command);
    }

    /**
     * Starts processes for one test and kills whatever is still running when it ends. Register
     * it as an instance field with {@code @RegisterExtension}.
     */
    public static final class Tracker implements AfterEachCallback {

        private final List<ExternalProcess> started = new ArrayList<>();

        /** Starts {@code command} as {@link ExternalProcess#start(List)} does; it dies with the test. */
        public ExternalProcess start(List<String> command) {
            ExternalProcess process = ExternalProcess.start(command);
            synchronized (started) {
                started.add(process);
            }
            return process;
        }

        /** Starts {@code command}; see {@link #start(List)}. */
        public ExternalProcess start(String... command) {
            return start(List.of(command));
        }

        @Override
        public void afterEach(ExtensionContext context) {
            List<ExternalProcess> toStop;
            synchronized (started) {
                toStop = List.copyOf(started);
                started.clear();
            }
            toStop.forEach(ExternalProcess::close);
        }
    }
}
