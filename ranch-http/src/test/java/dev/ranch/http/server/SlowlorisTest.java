package dev.ranch.http.server;

import dev.ranch.core.test.ChildJvm;
import dev.ranch.core.test.Latencies;
import dev.ranch.core.test.SocketFleet;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.websocket.AttackedHttpServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slowloris at scale: clients trickle a request head one byte a second and never finish it.
 * {@code requestHeaderTimeout} cuts every one of them ({@code 408 Request Timeout}, then
 * close) at that time after its accept, a well-behaved keep-alive client running meanwhile is
 * served as fast as ever, and the server's heap holds only what each connection's unfinished
 * head costs and is given back afterwards. The server runs in a child JVM so its heap, threads
 * and descriptors are its own. The default build runs 1,000 attackers; {@code -Pstress}
 * runs 5,000 (the full-size attack), and both print their figures.
 */
@EnabledOnOs(OS.LINUX)
class SlowlorisTest {

    /** Loopback source addresses the attackers come from, so no one address runs out of ports. */
    private static final int SOURCES = 16;
    private static final byte[] HEAD = "GET / HTTP/1.1\r\nHost: slow\r\n".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] NEVER_ENDING = "X-Slow: a\r\n".getBytes(StandardCharsets.ISO_8859_1);

    @Test
    void everyTricklerIsCutAtTheHeaderTimeoutWhileOthersAreServed() {
        attack(1000, Duration.ofSeconds(3), Duration.ofSeconds(5), 500);
    }

    @Test
    @Tag("stress")
    void fiveThousandTricklersAreCutAtTheHeaderTimeoutWhileOthersAreServed() {
        attack(5000, Duration.ofSeconds(8), Duration.ofSeconds(4), 50);
    }

    /**
     * @param lateness how much later than the timeout a cut may come, measured from the
     *                 client's connect (which precedes the accept, by more when the backlog is long)
     * @param p99Bound the well-behaved client's p99 round trip must stay below this, in ms
     */
    private static void attack(int attackers, Duration headerTimeout, Duration lateness, double p99Bound) {
        long started = System.nanoTime();
        try (ChildJvm server = ChildJvm.start(AttackedHttpServer.class, "512m",
                "headerTimeoutMs=" + headerTimeout.toMillis())) {
            int baselineThreads = server.threads();
            try (KeepAliveProbe warmUp = KeepAliveProbe.start(server.port(), "/hello", Duration.ofMillis(1))) {
                await().atMost(ChildJvm.START_PATIENCE).until(() -> warmUp.latencies().count() >= 2000);
            }
            long heapBefore = server.heapAfterGc();
            long heapDuring;
            Latencies cuts = new Latencies();
            KeepAliveProbe probe = KeepAliveProbe.start(server.port(), "/hello", Duration.ofMillis(5));
            try (SocketFleet fleet = SocketFleet.connect(server.port(), attackers, 0, SOURCES)) {
                fleet.trickle(HEAD, NEVER_ENDING, Duration.ofSeconds(1));
                await("the server holds every trickler").atMost(ChildJvm.START_PATIENCE)
                        .until(() -> activeConnections(server) >= attackers);
                heapDuring = server.heapAfterGc();
                await("every trickler is cut").atMost(headerTimeout.plus(lateness).plus(ChildJvm.START_PATIENCE))
                        .until(() -> fleet.uncut() == 0);
                probe.close();
                List<SocketFleet.Member> members = fleet.members();
                for (SocketFleet.Member member : members) {
                    cuts.record(member.cutNanos() - member.connectedNanos());
                    String answer = member.firstBytes();
                    assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 408 "),
                            "a trickler is answered 408 or closed, got: " + answer);
                }
            } finally {
                probe.close();
            }
            await("the server forgets every trickler").atMost(ChildJvm.START_PATIENCE)
                    .until(() -> activeConnections(server) == 0);
            long heapAfter = server.heapAfterGc();
            int threadsAfter = server.threads();
            Latencies served = probe.latencies();
            long perConnection = (heapDuring - heapBefore) / attackers;
            System.out.printf("slowloris: %d tricklers, requestHeaderTimeout %d ms, whole run %.1f s%n"
                            + "  time to cut (from connect): %s%n"
                            + "  well-behaved keep-alive client: %s%n"
                            + "  heap after GC: before %d KiB, during %d KiB (%d B per trickler), after %d KiB%n"
                            + "  threads: before %d, after %d%n",
                    attackers, headerTimeout.toMillis(), (System.nanoTime() - started) / 1e9, cuts, served,
                    heapBefore / 1024, heapDuring / 1024, perConnection, heapAfter / 1024,
                    baselineThreads, threadsAfter);

            assertTrue(cuts.percentileMillis(0) >= headerTimeout.toMillis(),
                    "no trickler is cut before requestHeaderTimeout: " + cuts);
            assertTrue(cuts.percentileMillis(100) <= headerTimeout.plus(lateness).toMillis(),
                    "every trickler is cut within " + lateness + " of requestHeaderTimeout: " + cuts);
            assertTrue(served.count() > 0 && served.percentileMillis(99) < p99Bound,
                    "the well-behaved client's p99 stays below " + p99Bound + " ms: " + served);
            // An unfinished head costs at most its bytes (bounded by maxRequestLine + maxHeaderBytes)
            // and the connection's objects; a trickler here has sent a few dozen bytes.
            long headBound = HttpOptions.DEFAULTS.maxRequestLine() + HttpOptions.DEFAULTS.maxHeaderBytes();
            assertTrue(perConnection < headBound,
                    "a trickler costs less heap than the longest head it could send (" + headBound + " B): "
                            + perConnection + " B");
            assertTrue(heapAfter - heapBefore < 8L * 1024 * 1024,
                    "the heap comes back: before " + heapBefore + ", after " + heapAfter);
            assertTrue(threadsAfter <= baselineThreads, "no thread is left behind: " + baselineThreads + " before, "
                    + threadsAfter + " after");
        }
    }

    private static int activeConnections(ChildJvm server) {
        return Integer.parseInt(server.ask("count").split(" ")[0]);
    }
}
