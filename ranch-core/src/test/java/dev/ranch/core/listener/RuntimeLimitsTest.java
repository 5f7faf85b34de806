package dev.ranch.core.listener;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.internal.connection.SocketConnection;
import dev.ranch.core.test.ConnectionTracker;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.ServedConnections;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static dev.ranch.core.test.EchoProtocol.assertEchoes;
import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator can change on a running listener: the connection limit (raised, lowered,
 * unlimited), per-connection options and the protocol factory.
 */
class RuntimeLimitsTest {

    private static final String NAME = "runtime-limits";

    private final ConnectionTracker tracker = new ConnectionTracker();
    private final ServedConnections served = new ServedConnections(tracker);
    private final Ledger ledger = new Ledger();
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    @TestRanch
    private Ranch ranch;
    private Sampler sampler;

    @AfterEach
    void stopSampling() throws InterruptedException {
        if (sampler != null) {
            sampler.stop();
        }
    }

    private Listener listen(ListenerOptions.Builder options) {
        return ranch.startListener(NAME, Transports.tcp(), options.build(), c -> new LedgerProtocol(served, ledger));
    }

    private List<TestClient> connect(Listener listener, int count) {
        List<TestClient> connected = clients.connectConcurrently(listener.port(), count, 5);
        return connected;
    }

    /** The clients among {@code candidates} that the server has served. */
    private List<TestClient> servedAmong(List<TestClient> candidates) {
        Set<Integer> ports = tracker.servedPeerPorts();
        return candidates.stream().filter(c -> ports.contains(c.socket().getLocalPort())).toList();
    }

    private static void assertGreeted(TestClient client) {
        assertEquals(GREETING, client.readExactly(1)[0], "a served client first receives the greeting");
    }

    private static int shardOf(Connection connection) {
        return ((SocketConnection) connection).shard();
    }

    private static void closeOnServer(Collection<Connection> connections) {
        for (Connection connection : connections) {
            assertTrue(ServedConnections.act(connection, Connection::close), "connection " + connection.id() + " is open");
        }
    }

    @Test
    void raisingTheLimitAdmitsTheWaitingClients() {
        Listener listener = listen(Loopback.options().maxConnections(10).numShards(2).numAcceptors(4));
        List<TestClient> all = connect(listener, 20);
        await().atMost(PATIENCE).until(() -> tracker.handshaken() == 10);
        assertStays("ten clients wait in the backlog", () -> tracker.handshaken() == 10);

        listener.setMaxConnections(20);

        await("every waiting client is served").atMost(PATIENCE).until(() -> tracker.handshaken() == 20);
        all.forEach(RuntimeLimitsTest::assertGreeted);
        assertEquals(20, listener.info().maxConnections());
        assertEquals(20, listener.info().activeConnections());
        assertEquals(20, listener.options().maxConnections());
    }

    @Test
    void loweringTheLimitKeepsExistingConnectionsAndAdmitsNewOnesOnlyBelowTheNewLimit() throws Exception {
        Listener listener = listen(Loopback.options().maxConnections(10).numShards(1).numAcceptors(2));
        List<TestClient> all = connect(listener, 20);
        await().atMost(PATIENCE).until(() -> tracker.handshaken() == 10);
        List<TestClient> old = servedAmong(all);
        assertEquals(10, old.size());
        sampler = new Sampler(listener);

        int newLimit = 5;
        ledger.lowered(served.open(), newLimit);
        listener.setMaxConnections(newLimit);

        assertStays("the ten existing connections are kept and nobody new is admitted",
                () -> tracker.closed() == 0 && tracker.handshaken() == 10 && listener.info().activeConnections() == 10);
        old.forEach(RuntimeLimitsTest::assertGreeted);
        for (int i = 0; i < old.size(); i++) {
            assertEchoes(old.get(i), "kept " + i);
        }

        old.subList(0, 5).forEach(TestClient::close);
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == newLimit);
        assertStays("at the new limit nobody new is admitted",
                () -> tracker.handshaken() == 10 && listener.info().activeConnections() == newLimit);
        sampler.reset();

        old.subList(5, 7).forEach(TestClient::close);
        await("a client is admitted for each slot freed below the new limit").atMost(PATIENCE)
                .until(() -> tracker.handshaken() == 12);
        assertStays("no more than that", () -> tracker.handshaken() == 12
                && listener.info().activeConnections() == newLimit);
        sampler.stop();
        assertTrue(sampler.max() <= newLimit, "active connections sampled at most " + sampler.max());
        assertEquals(List.of(), ledger.violations(), "the protocol never saw more than allowed");
    }

    @Test
    void loweringTheLimitIsExactWhenOneShardIsOverItsNewShareAndAnotherHasRoom() throws Exception {
        // Two shards of 5 each, all full; lowered to 6 they get shares of 3. Draining shard 1
        // to 1 leaves shard 0 over its share (5 > 3) and shard 1 with room (1 < 3) while the
        // total (6) is at the new limit: shard 1 must not admit anyone.
        Listener listener = listen(Loopback.options().maxConnections(10).numShards(2).numAcceptors(2));
        connect(listener, 20);
        await().atMost(PATIENCE).until(() -> tracker.handshaken() == 10);
        assertStays("ten served, ten waiting", () -> tracker.handshaken() == 10);
        List<Connection> old = served.open();
        List<Connection> shard0 = old.stream().filter(c -> shardOf(c) == 0).toList();
        List<Connection> shard1 = old.stream().filter(c -> shardOf(c) == 1).toList();
        assertEquals(5, shard0.size(), "precondition: at the limit each shard holds its share");
        assertEquals(5, shard1.size(), "precondition: at the limit each shard holds its share");
        sampler = new Sampler(listener);

        int newLimit = 6;
        ledger.lowered(old, newLimit);
        listener.setMaxConnections(newLimit);
        closeOnServer(shard1.subList(0, 4));

        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == newLimit);
        assertStays("the shard with room admits nobody while the total is at the new limit",
                () -> tracker.handshaken() == 10 && listener.info().activeConnections() == newLimit);
        sampler.reset();

        closeOnServer(shard0.subList(0, 2));
        await().atMost(PATIENCE).until(() -> tracker.handshaken() == 12);
        assertStays("two freed below the new limit, two admitted",
                () -> tracker.handshaken() == 12 && listener.info().activeConnections() == newLimit);

        List<Connection> rest = new ArrayList<>(shard0.subList(2, 5));
        rest.add(shard1.get(4));
        closeOnServer(rest);
        await().atMost(PATIENCE).until(() -> tracker.handshaken() == 16);
        assertStays("once the old connections are gone the new limit holds exactly",
                () -> tracker.handshaken() == 16 && listener.info().activeConnections() == newLimit);

        sampler.stop();
        assertTrue(sampler.max() <= newLimit, "active connections sampled at most " + sampler.max());
        assertEquals(List.of(), ledger.violations(), "the protocol never saw more than allowed");
    }

    @Test
    void infinityAtRunTimeServesEveryWaitingClientAndAFiniteLimitCanFollowIt() {
        Listener listener = listen(Loopback.options().maxConnections(3));
        List<TestClient> first = connect(listener, 8);
        await().atMost(PATIENCE).until(() -> tracker.handshaken() == 3);

        listener.setMaxConnections(ListenerOptions.INFINITY);

        await().atMost(PATIENCE).until(() -> tracker.handshaken() == 8);
        first.forEach(RuntimeLimitsTest::assertGreeted);
        assertEquals(ListenerOptions.INFINITY, listener.info().maxConnections());

        listener.setMaxConnections(5);
        TestClient late = connect(listener, 1).get(0);
        assertStays("8 served is over the new limit of 5: the late client waits",
                () -> tracker.handshaken() == 8);
        first.subList(0, 4).forEach(TestClient::close);
        assertGreeted(late);
        assertStays("4 old + 1 late = the new limit", () -> tracker.handshaken() == 9
                && listener.info().activeConnections() == 5);
    }

    @Test
    void setOptionsRejectsADifferentNumShardsAndAppliesNothing() {
        Listener listener = listen(Loopback.options().maxConnections(10).numShards(2).numAcceptors(4));
        ListenerOptions before = listener.options();

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> listener.setOptions(
                before.toBuilder().numShards(1).maxConnections(1).build()));

        assertTrue(e.getMessage().contains("numShards"), e.getMessage());
        assertSame(before, listener.options());
        assertEquals(10, listener.info().maxConnections());
        List<TestClient> three = connect(listener, 3);
        three.forEach(RuntimeLimitsTest::assertGreeted);
        assertEquals(3, listener.info().activeConnections(), "the rejected limit of 1 was not applied");
    }

    @Test
    void setProtocolFactoryAffectsOnlyConnectionsAcceptedAfterwards() {
        Listener listener = listen(Loopback.options());
        TestClient before = connect(listener, 1).get(0);
        assertGreeted(before);
        ProtocolPrefix v2 = new ProtocolPrefix("v2:");

        listener.setProtocolFactory(c -> v2.newProtocol());

        assertEchoes(before, "unchanged");
        TestClient after = connect(listener, 1).get(0);
        assertEquals("v2:hello", after.write("hello").readString("v2:hello".length()));
        assertEchoes(before, "still unchanged");
        assertEquals(1, v2.created.get(), "only the new connection got the new protocol");
    }

    @Test
    void handshakeTimeoutSetAtRunTimeAppliesToConnectionsAcceptedAfterwards() {
        Listener listener = ranch.startListener(NAME, Transports.tcp(),
                Loopback.options().handshakeTimeout(Duration.ofMinutes(1)).build(), c -> new NeverHandshakes(tracker));
        connect(listener, 1);
        await().atMost(PATIENCE).until(() -> tracker.initialized() == 1);

        listener.setOptions(listener.options().toBuilder().handshakeTimeout(Duration.ofMillis(200)).build());
        TestClient after = connect(listener, 1).get(0);

        assertTrue(after.isClosedByPeer(), "the new connection timed out its handshake");
        await().atMost(PATIENCE).until(() -> listener.info().handshakeFailures() == 1);
        assertStays("the earlier connection keeps the timeout it was accepted with",
                () -> tracker.closed() == 1 && listener.info().allConnections() == 1
                        && listener.info().handshakeFailures() == 1);
    }

    @Test
    void idleTimeoutSetAtRunTimeAppliesToConnectionsAcceptedAfterwards() {
        Listener listener = listen(Loopback.options());
        TestClient before = connect(listener, 1).get(0);
        assertGreeted(before);

        listener.setOptions(listener.options().toBuilder().idleTimeout(Duration.ofMillis(200)).build());
        TestClient after = connect(listener, 1).get(0);
        assertGreeted(after);

        assertTrue(after.isClosedByPeer(), "the new connection was closed when idle");
        await().during(Duration.ofMillis(600)).atMost(PATIENCE)
                .until(() -> tracker.closed() == 1 && listener.info().allConnections() == 1);
        assertEchoes(before, "idle for three timeouts and still open");
    }

    /**
     * Old/new accounting after a lowering, checked on the protocol side at every open and
     * close: the connections seen between {@code init} and {@code onClose} never exceed the
     * new limit, or the old connections alone while they still do.
     */
    private static final class Ledger {
        private final List<String> violations = new ArrayList<>();
        private Set<Long> old = Set.of();
        private boolean armed;
        private int limit;
        private int oldOpen;
        private int newOpen;

        synchronized void lowered(Collection<Connection> open, int newLimit) {
            old = open.stream().map(Connection::id).collect(Collectors.toSet());
            oldOpen = old.size();
            newOpen = 0;
            limit = newLimit;
            armed = true;
        }

        synchronized void opened(Connection connection) {
            if (armed && !old.contains(connection.id())) {
                newOpen++;
                if (oldOpen + newOpen > Math.max(limit, oldOpen)) {
                    violations.add("connection " + connection.id() + " opened with " + oldOpen + " old and "
                            + (newOpen - 1) + " new open, limit " + limit);
                }
            }
        }

        synchronized void closed(Connection connection) {
            if (!armed) {
                return;
            }
            if (old.contains(connection.id())) {
                oldOpen--;
            } else {
                newOpen--;
            }
        }

        synchronized List<String> violations() {
            return List.copyOf(violations);
        }
    }

    private static final class LedgerProtocol extends ServedConnections.Steerable {
        private final Ledger ledger;

        LedgerProtocol(ServedConnections registry, Ledger ledger) {
            super(registry);
            this.ledger = ledger;
        }

        @Override
        public void init(Connection connection) {
            ledger.opened(connection);
            super.init(connection);
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            ledger.closed(connection);
            super.onClose(connection, cause);
        }
    }

    /** Samples {@code info().activeConnections()} on its own thread and keeps the largest value. */
    private static final class Sampler {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger max = new AtomicInteger();
        private final Thread thread;

        Sampler(Listener listener) {
            thread = new Thread(() -> {
                while (running.get()) {
                    max.accumulateAndGet(listener.info().activeConnections(), Math::max);
                    Thread.onSpinWait();
                }
            }, "active-connections-sampler");
            thread.setDaemon(true);
            thread.start();
        }

        void reset() {
            max.set(0);
        }

        int max() {
            return max.get();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join();
        }
    }

    /** Echoes with a prefix, and counts the protocols it made. */
    private static final class ProtocolPrefix {
        final AtomicInteger created = new AtomicInteger();
        private final byte[] prefix;

        ProtocolPrefix(String prefix) {
            this.prefix = prefix.getBytes(StandardCharsets.US_ASCII);
        }

        Protocol newProtocol() {
            created.incrementAndGet();
            return (connection, data) -> {
                connection.write(prefix);
                connection.write(data);
            };
        }
    }

    /** Never starts the handshake, so only the handshake timeout ends its connections. */
    private static final class NeverHandshakes implements Protocol {
        private final ConnectionTracker tracker;

        NeverHandshakes(ConnectionTracker tracker) {
            this.tracker = tracker;
        }

        @Override
        public void init(Connection connection) {
            tracker.initialized(connection);
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            throw new AssertionError("no data before the handshake");
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            tracker.closed(connection);
        }
    }
}
