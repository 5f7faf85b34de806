package dev.ranch.bench;

import static dev.ranch.core.test.Patience.PATIENCE;

import dev.ranch.bench.SoakSessions.Kind;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * The soak's clients: a fixed number of threads, each running sessions back to back and
 * starting at a different kind, so every kind is under way at once and the concurrency is
 * bounded by the thread count. Counts sessions and exchanges per kind. The first failure stops
 * every thread and is kept for {@link #assertHealthy()}. Any thread.
 */
final class SoakLoad {

    private final List<Thread> threads = new ArrayList<>();
    private final Map<Kind, LongAdder> sessions = new EnumMap<>(Kind.class);
    private final Map<Kind, LongAdder> exchanges = new EnumMap<>(Kind.class);
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopping;

    private SoakLoad() {
        for (Kind kind : Kind.values()) {
            sessions.put(kind, new LongAdder());
            exchanges.put(kind, new LongAdder());
        }
    }

    /** Starts {@code clients} threads running {@code sessions}. */
    static SoakLoad start(SoakSessions sessions, int clients) {
        SoakLoad load = new SoakLoad();
        Kind[] kinds = Kind.values();
        for (int i = 0; i < clients; i++) {
            int first = i;
            Thread thread = new Thread(() -> {
                for (int n = first; !load.stopping; n++) {
                    Kind kind = kinds[n % kinds.length];
                    try {
                        load.exchanges.get(kind).add(sessions.run(kind));
                        load.sessions.get(kind).increment();
                    } catch (Throwable e) {
                        load.failure.compareAndSet(null, new AssertionError(kind + " session failed", e));
                        load.stopping = true;
                    }
                }
            }, "soak-client-" + i);
            load.threads.add(thread);
            thread.start();
        }
        return load;
    }

    /** Throws the first failure of any session, if there was one. */
    void assertHealthy() {
        Throwable failed = failure.get();
        if (failed != null) {
            throw new AssertionError("the soak load failed", failed);
        }
    }

    /** Lets every session in progress finish, and waits for the threads. */
    void stop() throws InterruptedException {
        stopping = true;
        long deadline = System.nanoTime() + PATIENCE.multipliedBy(3).toNanos();
        for (Thread thread : threads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " still in a session after the soak ended");
            }
        }
    }

    /** Requests and messages exchanged so far, over all kinds. */
    long exchanges() {
        return exchanges.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Sessions of {@code kind} completed. */
    long sessions(Kind kind) {
        return sessions.get(kind).sum();
    }

    /** Requests or messages of {@code kind} exchanged in completed sessions. */
    long exchanges(Kind kind) {
        return exchanges.get(kind).sum();
    }
}
