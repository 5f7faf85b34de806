package dev.ranch.core.listener;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.ProcessResources;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code acceptRate(perSecond, burst)}: the acceptors space accepts to the rate, parked
 * rather than spinning. The only tests of this module that assert on time: the option
 * promises a rate that holds within 10%.
 */
class AcceptRateTest {

    private static final String NAME = "rated";
    private static final String ACCEPTORS = "ranch-" + NAME + "-acceptor-";

    /** Server-side accept times: each connection's {@code init}. */
    private final Queue<Long> acceptedAt = new ConcurrentLinkedQueue<>();
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    @TestRanch
    private Ranch ranch;
    private ScheduledExecutorService connectors;

    @AfterEach
    void stopConnecting() throws InterruptedException {
        if (connectors != null) {
            connectors.shutdownNow();
            connectors.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private Listener listen(int perSecond, int burst, int acceptors) {
        ListenerOptions options = Loopback.options()
                .acceptRate(perSecond, burst).numAcceptors(acceptors).maxConnections(ListenerOptions.INFINITY)
                .build();
        return ranch.startListener(NAME, Transports.tcp(), options, c -> new RecordsAcceptTime(acceptedAt));
    }

    /** Seconds from the first to the last accept recorded, and how many there were. */
    private record Span(int accepts, double seconds) {
        static Span of(Queue<Long> times) {
            List<Long> sorted = new ArrayList<>(times);
            sorted.sort(null);
            return new Span(sorted.size(), (sorted.get(sorted.size() - 1) - sorted.get(0)) / 1e9);
        }

        double expected(int perSecond, int burst) {
            return perSecond * seconds + burst;
        }
    }

    @Test
    void acceptsFollowTheRateWithinTenPercentAndTheAcceptorsDoNotSpin() throws InterruptedException {
        int perSecond = 50;
        int burst = 1;
        long startedNanos = System.nanoTime();
        Listener listener = listen(perSecond, burst, 10);
        await().atMost(PATIENCE).until(() -> ProcessResources.liveThreadsNamed(ACCEPTORS).size() == 10);
        Set<Thread> acceptors = ProcessResources.liveThreadsNamed(ACCEPTORS);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assumeTrue(threads.isThreadCpuTimeSupported(), "per-thread CPU time is measurable here");

        // About twice the rate, from three threads, so clients are always waiting to be accepted.
        connectors = Executors.newScheduledThreadPool(3);
        for (int i = 0; i < 3; i++) {
            connectors.scheduleAtFixedRate(() -> clients.connect(listener.port()),
                    i * 10L, 30, TimeUnit.MILLISECONDS);
        }
        int target = 3 * perSecond;
        await("three seconds' worth of accepts").atMost(PATIENCE)
                .until(() -> listener.info().totalAccepted() >= target);

        long acceptorCpuNanos = 0;
        for (Thread acceptor : acceptors) {
            long cpu = threads.getThreadCpuTime(acceptor.getId());
            assertTrue(cpu >= 0, acceptor.getName() + " is alive and measurable");
            acceptorCpuNanos += cpu;
        }
        long wallNanos = System.nanoTime() - startedNanos;
        listener.suspend();
        connectors.shutdownNow();
        long accepted = listener.info().totalAccepted();
        await().atMost(PATIENCE).until(() -> acceptedAt.size() == accepted);

        Span span = Span.of(acceptedAt);
        double expected = span.expected(perSecond, burst);
        assertTrue(span.seconds() >= 2.5, "measured over a few seconds: " + span.seconds() + " s");
        assertTrue(Math.abs(accepted - expected) <= 0.1 * expected,
                accepted + " accepted in " + span.seconds() + " s; at " + perSecond + "/s with burst " + burst
                        + " that should be " + expected + " +-10%");
        assertTrue(acceptorCpuNanos < 0.2 * wallNanos, "10 acceptors used " + acceptorCpuNanos / 1_000_000
                + " ms of CPU in " + wallNanos / 1_000_000 + " ms: they spin instead of parking");
    }

    @Test
    void aQuietPeriodBuysTheConfiguredBurstNotOneAcceptPerAcceptor() {
        int perSecond = 20;
        int burst = 2;
        int acceptors = 6;
        Listener listener = listen(perSecond, burst, acceptors);
        // Quiet: every acceptor has had its turn and now waits for a client in accept() (one
        // RUNNABLE in the native call, the others WAITING for the channel's accept lock); none
        // sleeps for its turn at the rate (TIMED_WAITING).
        await("every acceptor waits for a client").atMost(PATIENCE).during(Duration.ofMillis(100))
                .until(() -> {
                    Set<Thread> threads = ProcessResources.liveThreadsNamed(ACCEPTORS);
                    return threads.size() == acceptors
                            && threads.stream().noneMatch(t -> t.getState() == Thread.State.TIMED_WAITING);
                });

        int count = acceptors + burst + 4;
        clients.connectConcurrently(listener.port(), count, count);
        await().atMost(PATIENCE).until(() -> acceptedAt.size() == count);

        Span span = Span.of(acceptedAt);
        double minimum = (count - burst) / (double) perSecond;
        assertTrue(span.seconds() >= 0.9 * minimum, count + " clients arriving at once after a quiet period were"
                + " accepted within " + span.seconds() + " s; with burst " + burst + " at " + perSecond
                + "/s that takes at least " + minimum + " s");
        assertEquals(count, listener.info().totalAccepted());
    }

    /** Records when its connection was handed over, then behaves as a silent sink. */
    private static final class RecordsAcceptTime implements Protocol {
        private final Queue<Long> acceptedAt;

        RecordsAcceptTime(Queue<Long> acceptedAt) {
            this.acceptedAt = acceptedAt;
        }

        @Override
        public void init(Connection connection) {
            acceptedAt.add(System.nanoTime());
            connection.handshake();
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            // Clients send nothing.
        }
    }
}
