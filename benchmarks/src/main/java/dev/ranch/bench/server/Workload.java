package dev.ranch.bench.server;

/**
 * What a benchmark server does with its connections. Each {@link ServerKind} implements every
 * workload the same way, so a pair measures the networking stack and not the application.
 *
 * <p>To add a workload (HTTP hello world, chat fan-out): add a constant here, implement it in
 * {@link RanchServers} and {@link NettyServers}, and it becomes a {@code BenchServer} mode
 * ({@code ranch-http}, {@code netty-http}) and a {@code @Param} value at once.
 */
public enum Workload {
    /** Writes back every byte it reads, as it reads it. */
    ECHO("echo");

    private final String id;

    Workload(String id) {
        this.id = id;
    }

    /** The workload's part of a mode name: {@code echo} in {@code ranch-echo}. */
    public String id() {
        return id;
    }
}
