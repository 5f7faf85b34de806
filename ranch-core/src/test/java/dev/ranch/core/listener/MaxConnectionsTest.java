package dev.ranch.core.listener;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.ConnectionTracker;
import dev.ranch.core.test.GreetingProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code maxConnections} limit: a hard cap enforced before {@code accept()}, so clients
 * beyond it wait in the kernel backlog and are served as slots free up.
 */
class MaxConnectionsTest {

    @TestRanch
    private Ranch ranch;
    private final ConnectionTracker tracker = new ConnectionTracker();
    @RegisterExtension
    final OpenClients clients = new OpenClients();

    private Listener listen(ListenerOptions.Builder options) {
        return ranch.startListener("limited", Transports.tcp(), options.build(), c -> new GreetingProtocol(tracker));
    }

    private static void assertGreeted(TestClient client) {
        assertEquals(GREETING, client.readExactly(1)[0], "a served client first receives the greeting");
    }

    @Test
    void countNeverExceedsTheLimitUnderAFloodAndEachClosedSlotServesExactlyOneWaitingClient() throws Exception {
        int limit = 50;
        Listener listener = listen(Loopback.options().maxConnections(limit));

        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicInteger maxSampled = new AtomicInteger();
        Thread sampler = new Thread(() -> {
            while (sampling.get()) {
                maxSampled.accumulateAndGet(listener.info().activeConnections(), Math::max);
                Thread.onSpinWait();
            }
        }, "active-connections-sampler");
        sampler.start();
        List<TestClient> flood;
        try {
            flood = clients.connectConcurrently(listener.port(), 5 * limit, 10);
            await("the limit is reached").atMost(PATIENCE).until(() -> listener.info().activeConnections() == limit);
            assertStays("exactly the limit is served while the rest wait",
                    () -> listener.info().activeConnections() == limit && tracker.initialized() == limit);
        } finally {
            sampling.set(false);
            sampler.join();
        }
        assertEquals(limit, maxSampled.get(), "the most active connections ever sampled during the flood");
        assertEquals(limit, tracker.maxOpen(), "the most protocols alive at once during the flood");
        assertEquals(limit, listener.info().totalAccepted());

        Set<Integer> servedFirst = tracker.servedPeerPorts();
        List<TestClient> served = new ArrayList<>();
        for (TestClient client : flood) {
            if (servedFirst.contains(client.socket().getLocalPort())) {
                served.add(client);
            }
        }
        assertEquals(limit, served.size(), "the served connections are this test's clients");
        served.forEach(MaxConnectionsTest::assertGreeted);

        int released = 10;
        served.subList(0, released).forEach(TestClient::close);
        await("as many waiting clients are served as slots were freed").atMost(PATIENCE)
                .until(() -> tracker.handshaken() == limit + released);
        assertStays("no more than that",
                () -> tracker.handshaken() == limit + released && listener.info().activeConnections() == limit);

        Set<Integer> servedNext = new HashSet<>(tracker.servedPeerPorts());
        servedNext.removeAll(servedFirst);
        assertEquals(released, servedNext.size());
        int greetedNext = 0;
        for (TestClient client : flood) {
            if (servedNext.contains(client.socket().getLocalPort())) {
                assertGreeted(client);
                greetedNext++;
            }
        }
        assertEquals(released, greetedNext, "the newly served connections belong to clients that were waiting");
    }

    @Test
    void acceptorBlockedAtTheLimitResumesWhenAConnectionCloses() {
        Listener listener = listen(Loopback.options().maxConnections(1).numAcceptors(1));
        TestClient first = clients.connect(listener.port());
        assertGreeted(first);

        // The second connect completes in the kernel's backlog; the parked acceptor must not take it.
        TestClient second = clients.connect(listener.port());
        assertStays("the second client waits",
                () -> tracker.initialized() == 1 && listener.info().totalAccepted() == 1);

        first.close();
        assertGreeted(second);
        await().atMost(PATIENCE).until(() -> listener.info().totalAccepted() == 2
                && listener.info().activeConnections() == 1);
    }

    @Test
    void infinityServesMoreClientsThanTheDefaultLimit() {
        // More than the default limit, so a limit silently left at its default would show.
        int count = ListenerOptions.defaults().maxConnections() + 100;
        Listener listener = listen(Loopback.options().maxConnections(ListenerOptions.INFINITY));
        List<TestClient> all = clients.connectConcurrently(listener.port(), count, 10);

        await().atMost(PATIENCE).until(() -> tracker.handshaken() == count);
        all.forEach(MaxConnectionsTest::assertGreeted);
        assertEquals(count, listener.info().activeConnections());
        assertEquals(ListenerOptions.INFINITY, listener.info().maxConnections());
    }

    @ParameterizedTest(name = "maxConnections {0}, numShards {1}, numAcceptors {2}")
    @CsvSource({"10, 3, 6", "2, 3, 3", "7, 7, 7"})
    void shardSharesAddUpToTheLimitExactly(int limit, int numShards, int numAcceptors) {
        Listener listener = listen(Loopback.options()
                .maxConnections(limit).numShards(numShards).numAcceptors(numAcceptors));
        clients.connectConcurrently(listener.port(), 3 * limit, 5);

        await().atMost(PATIENCE).until(() -> tracker.handshaken() == limit);
        assertStays("no shard serves beyond its share",
                () -> tracker.initialized() == limit && listener.info().activeConnections() == limit);
        assertEquals(limit, listener.info().maxConnections());
    }

    @Test
    void withSeveralListenSocketsNoSlotIsStrandedOnASocketWithoutClients() {
        // The kernel pins each client to one SO_REUSEPORT socket. An acceptor idle on one
        // socket must not hold a slot that a client pinned to the other socket needs.
        int limit = 4;
        Listener listener = listen(Loopback.options()
                .maxConnections(limit).numListenSockets(2).numAcceptors(4).numShards(2));
        for (int round = 0; round < 5; round++) {
            List<TestClient> served = new ArrayList<>();
            for (int i = 0; i < limit; i++) {
                TestClient client = clients.connect(listener.port());
                assertGreeted(client);
                served.add(client);
            }
            served.forEach(TestClient::close);
            await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
        }
    }

    @Test
    void moreConnectionSupervisorsThanAcceptorsIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ListenerOptions.builder().numAcceptors(2).numShards(3).build());
        assertTrue(e.getMessage().contains("numShards") && e.getMessage().contains("numAcceptors"),
                "the message names both options: " + e.getMessage());
        assertDoesNotThrow(() -> ListenerOptions.builder().numAcceptors(3).numShards(3).build());
    }

    @Test
    void zeroMaxConnectionsServesNobody() {
        Listener listener = listen(Loopback.options().maxConnections(0));
        clients.connectConcurrently(listener.port(), 3, 3);

        assertStays("nobody is accepted",
                () -> tracker.initialized() == 0 && listener.info().totalAccepted() == 0);
        assertEquals(0, listener.info().activeConnections());
    }
}
