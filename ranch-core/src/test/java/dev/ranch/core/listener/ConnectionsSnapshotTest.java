package dev.ranch.core.listener;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.ConnectionTracker;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.ServedConnections;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Listener.connections()} and {@code Ranch.info()}: what an operator sees of live connections. */
class ConnectionsSnapshotTest {

    private static final String NAME = "snapshot";

    private final ConnectionTracker tracker = new ConnectionTracker();
    private final ServedConnections served = new ServedConnections(tracker);
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    @TestRanch
    private Ranch ranch;
    private Listener listener;

    @BeforeEach
    void listen() {
        listener = ranch.startListener(NAME, Transports.tcp(), Loopback.options().build(), c -> served.newProtocol());
    }

    /** A served client; the greeting byte it read is counted by the caller. */
    private TestClient connectServed() {
        TestClient client = clients.connect(listener.port());
        assertEquals(GREETING, client.readExactly(1)[0]);
        return client;
    }

    private Connection serverSideOf(TestClient client) {
        int port = client.socket().getLocalPort();
        await().atMost(PATIENCE).until(() -> served.byClientPort(port).isPresent());
        return served.byClientPort(port).orElseThrow();
    }

    private Optional<ConnectionInfo> snapshotOf(long id) {
        return listener.connections().stream().filter(c -> c.id() == id).findFirst();
    }

    private static int portOf(ConnectionInfo info) {
        return ((InetSocketAddress) info.peer()).getPort();
    }

    @Test
    void listsEachLiveConnectionWithItsIdAndThePeerItCameFrom() {
        List<TestClient> three = List.of(connectServed(), connectServed(), connectServed());
        Map<Integer, Long> idByClientPort = three.stream().collect(Collectors.toMap(
                c -> c.socket().getLocalPort(), c -> serverSideOf(c).id()));

        List<ConnectionInfo> snapshot = listener.connections();

        assertEquals(3, snapshot.size());
        for (ConnectionInfo info : snapshot) {
            assertEquals(idByClientPort.get(portOf(info)), info.id(), "id of the connection from port " + portOf(info));
            assertEquals(InetAddress.getLoopbackAddress(), ((InetSocketAddress) info.peer()).getAddress());
            assertTrue(info.counted());
        }

        TestClient leaving = three.get(1);
        leaving.close();
        int gone = leaving.socket().getLocalPort();
        await().atMost(PATIENCE).until(() -> listener.connections().size() == 2);
        Set<Integer> remaining = listener.connections().stream().map(ConnectionsSnapshotTest::portOf)
                .collect(Collectors.toSet());
        assertFalse(remaining.contains(gone), "a closed connection leaves the snapshot");
        assertEquals(Set.of(three.get(0).socket().getLocalPort(), three.get(2).socket().getLocalPort()), remaining);
    }

    @Test
    void ageGrowsAndNeverExceedsTheTimeSinceTheClientConnected() {
        long beforeConnect = System.nanoTime();
        long id = serverSideOf(connectServed()).id();
        Duration first = snapshotOf(id).orElseThrow().age();
        assertTrue(first.toNanos() <= System.nanoTime() - beforeConnect, "age " + first + " counts from the accept");

        await("the age grows").atMost(PATIENCE).until(() -> snapshotOf(id).orElseThrow().age().compareTo(first) > 0);
        Duration later = snapshotOf(id).orElseThrow().age();
        assertTrue(later.toNanos() <= System.nanoTime() - beforeConnect, "age " + later + " counts from the accept");
    }

    @Test
    void bytesInAndOutMatchWhatTheClientSentAndReceived() {
        TestClient client = connectServed();
        long id = serverSideOf(client).id();
        long sent = 0;
        long received = 1; // the greeting
        // Small exchanges go straight to the socket; the large one exceeds the socket buffers and
        // goes through the outbound queue.
        for (int size : new int[] {10, 1000, 512 * 1024}) {
            byte[] payload = Bytes.random(size, size);
            client.write(payload);
            sent += size;
            assertArrayEquals(payload, client.readExactly(size));
            received += size;
            long in = sent;
            long out = received;
            await("bytes in " + in + ", out " + out).atMost(PATIENCE).until(() -> {
                ConnectionInfo info = snapshotOf(id).orElseThrow();
                return info.bytesIn() == in && info.bytesOut() == out;
            });
        }
    }

    @Test
    void countedTurnsFalseAfterRemoveFromCountAndTheInfosShowBothCounts() {
        TestClient staying = connectServed();
        TestClient removed = connectServed();
        Connection toRemove = serverSideOf(removed);
        long stayingId = serverSideOf(staying).id();

        assertTrue(ServedConnections.act(toRemove, Connection::removeFromCount));

        await().atMost(PATIENCE).until(() -> !snapshotOf(toRemove.id()).orElseThrow().counted());
        assertTrue(snapshotOf(stayingId).orElseThrow().counted());
        ListenerInfo info = ranch.info().stream().filter(i -> i.name().equals(NAME)).findFirst().orElseThrow();
        assertEquals(1, info.activeConnections());
        assertEquals(2, info.allConnections());
        assertEquals(2, listener.connections().size(), "a removed connection is still listed");
    }

    @Test
    void ranchInfoListsEveryListenerWithItsOwnFigures() {
        ConnectionTracker otherTracker = new ConnectionTracker();
        ServedConnections otherServed = new ServedConnections(otherTracker);
        Listener other = ranch.startListener("snapshot-other", Transports.tcp(),
                Loopback.options().maxConnections(7).build(),
                c -> otherServed.newProtocol());
        connectServed();
        connectServed();
        TestClient toOther = clients.connect(other.port());
        assertEquals(GREETING, toOther.readExactly(1)[0]);

        Map<String, ListenerInfo> infos = ranch.info().stream()
                .collect(Collectors.toMap(ListenerInfo::name, Function.identity()));

        assertEquals(Set.of(NAME, "snapshot-other"), infos.keySet());
        assertEquals(2, infos.get(NAME).activeConnections());
        assertEquals(listener.port(), infos.get(NAME).port());
        assertEquals(1, infos.get("snapshot-other").activeConnections());
        assertEquals(7, infos.get("snapshot-other").maxConnections());
        assertEquals(other.port(), infos.get("snapshot-other").port());
        assertEquals(ListenerState.RUNNING, infos.get(NAME).state());
    }
}
