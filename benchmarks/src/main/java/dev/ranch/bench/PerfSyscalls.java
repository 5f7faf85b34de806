package dev.ranch.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Counts the system calls of one process with {@code perf stat} tracepoints: every call
 * ({@code raw_syscalls:sys_enter}) and the {@code epoll_wait} family, counted only between
 * {@link #start()} and {@link #stop()} (perf's control fifo, so attaching takes nothing from the
 * window). Needs {@code perf} on the PATH (Debian {@code linux-perf}), tracefs, and the right to
 * trace the process (root, or {@code kernel.perf_event_paranoid} at most 1). Threads the process
 * starts after {@link #attach} are not counted. Not thread-safe: one caller, start then stop.
 */
final class PerfSyscalls {

    /** The epoll_wait family; Java's Selector calls epoll_wait, others may use the p variants. */
    static final String[] EPOLL_WAITS = {"epoll_wait", "epoll_pwait", "epoll_pwait2"};

    private static final long TIMEOUT_SECONDS = 30;

    private final Process perf;
    private final Path scratch;
    private final Path out;
    private final OutputStream control;
    private final InputStream ack;

    private PerfSyscalls(Process perf, Path scratch, Path out, OutputStream control, InputStream ack) {
        this.perf = perf;
        this.scratch = scratch;
        this.out = out;
        this.control = control;
        this.ack = ack;
    }

    /**
     * Starts perf on process {@code pid}, not yet counting.
     *
     * @throws IllegalStateException when perf cannot be started or does not attach within 30 s
     */
    static PerfSyscalls attach(long pid) {
        Path scratch = null;
        Process perf = null;
        try {
            scratch = Files.createTempDirectory("perf-syscalls");
            Path ctl = scratch.resolve("ctl");
            Path ackFifo = scratch.resolve("ack");
            Path out = scratch.resolve("counts.csv");
            for (Path fifo : new Path[] {ctl, ackFifo}) {
                if (new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor() != 0) {
                    throw new IllegalStateException("mkfifo " + fifo + " failed");
                }
            }
            StringBuilder events = new StringBuilder("raw_syscalls:sys_enter");
            for (String call : EPOLL_WAITS) {
                if (Files.isDirectory(Path.of("/sys/kernel/tracing/events/syscalls/sys_enter_" + call))) {
                    events.append(",syscalls:sys_enter_").append(call);
                }
            }
            perf = new ProcessBuilder("perf", "stat", "-x,", "-o", out.toString(), "-D", "-1",
                    "--control", "fifo:" + ctl + "," + ackFifo, "-e", events.toString(), "-p", Long.toString(pid))
                    .redirectErrorStream(true)
                    .redirectOutput(scratch.resolve("perf.log").toFile())
                    .start();
            // Opening a fifo blocks until perf opens the other end, which it does once attached.
            Process started = perf;
            CompletableFuture<OutputStream> control = CompletableFuture.supplyAsync(() -> open(() -> Files.newOutputStream(ctl)));
            CompletableFuture<InputStream> acks = CompletableFuture.supplyAsync(() -> open(() -> Files.newInputStream(ackFifo)));
            try {
                return new PerfSyscalls(perf, scratch, out, control.get(TIMEOUT_SECONDS, TimeUnit.SECONDS),
                        acks.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
            } catch (TimeoutException | ExecutionException e) {
                started.destroyForcibly();
                throw new IllegalStateException("perf stat did not attach: " + log(scratch), e);
            }
        } catch (IOException e) {
            if (perf != null) {
                perf.destroyForcibly();
            }
            throw new IllegalStateException("cannot start perf stat (Debian linux-perf)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (perf != null) {
                perf.destroyForcibly();
            }
            throw new IllegalStateException("interrupted while starting perf", e);
        }
    }

    /** Starts counting. */
    void start() {
        command("enable");
    }

    /**
     * Stops counting and perf.
     *
     * @return the calls counted, by name: {@code total} for all, and each of {@link #EPOLL_WAITS} counted
     * @throws IllegalStateException when perf counted nothing (it cannot trace here)
     */
    Map<String, Long> stop() {
        command("disable");
        try {
            control.close();
            ack.close();
            new ProcessBuilder("kill", "-INT", Long.toString(perf.pid())).inheritIO().start().waitFor();
            if (!perf.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                perf.destroyForcibly();
            }
            Map<String, Long> counts = new HashMap<>();
            for (String line : Files.readAllLines(out, StandardCharsets.US_ASCII)) {
                String[] fields = line.split(",");
                if (fields.length >= 3 && !fields[0].isEmpty() && fields[0].chars().allMatch(Character::isDigit)) {
                    String event = fields[2];
                    counts.put(event.equals("raw_syscalls:sys_enter") ? "total" : event.substring(event.indexOf("sys_enter_") + 10),
                            Long.parseLong(fields[0]));
                }
            }
            if (!counts.containsKey("total")) {
                throw new IllegalStateException("perf counted nothing: " + Files.readString(out) + log(scratch));
            }
            return counts;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            perf.destroyForcibly();
            throw new IllegalStateException("interrupted while stopping perf", e);
        } finally {
            delete(scratch);
        }
    }

    private void command(String word) {
        try {
            control.write((word + "\n").getBytes(StandardCharsets.US_ASCII));
            control.flush();
            // perf answers "ack\n" plus a NUL; read up to the newline, then let the NUL lead the next answer.
            StringBuilder answer = new StringBuilder();
            for (int c = ack.read(); c >= 0 && c != '\n'; c = ack.read()) {
                if (c != 0) {
                    answer.append((char) c);
                }
            }
            if (!answer.toString().equals("ack")) {
                throw new IllegalStateException("perf did not acknowledge " + word + ": " + answer + log(scratch));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private interface Opening<T> {
        T open() throws IOException;
    }

    private static <T> T open(Opening<T> opening) {
        try {
            return opening.open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String log(Path scratch) {
        try {
            return Files.readString(scratch.resolve("perf.log"));
        } catch (IOException e) {
            return "";
        }
    }

    private static void delete(Path scratch) {
        try (var files = Files.list(scratch)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(scratch);
        } catch (IOException ignored) {
            // A temporary directory left behind is harmless.
        }
    }
}
