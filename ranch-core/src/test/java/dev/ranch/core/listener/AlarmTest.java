package dev.ranch.core.listener;

import dev.ranch.core.Connection;
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

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.HOLD;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Alarms on a listener's connection count (Ranch 2's {@code alarms}). */
class AlarmTest {

    private static final Duration LONG = Duration.ofMinutes(10);

    private final ConnectionTracker tracker = new ConnectionTracker();
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    private final List<Firing> firings = new CopyOnWriteArrayList<>();
    @TestRanch
    private Ranch ranch;

    /** One call of an alarm's callback. */
    private record Firing(String alarm, Listener listener, Set<Integer> peerPorts, long nanos) {}

    private Alarm alarm(String name, int threshold, Duration cooldown) {
        return new Alarm(name, threshold, cooldown, (alarm, listener, connections) -> {
            long now = System.nanoTime();
            firings.add(new Firing(alarm, listener, peerPorts(connections), now));
        });
    }

    private static Set<Integer> peerPorts(List<Connection> connections) {
        return connections.stream().map(c -> ((InetSocketAddress) c.peer()).getPort()).collect(Collectors.toSet());
    }

    private Listener listen(Alarm... alarms) {
        ListenerOptions.Builder options = Loopback.options();
        for (Alarm alarm : alarms) {
            options.alarm(alarm);
        }
        return ranch.startListener("alarmed", Transports.tcp(), options.build(), c -> new GreetingProtocol(tracker));
    }

    private TestClient connectServed(Listener listener) {
        TestClient client = clients.connect(listener.port());
        assertEquals(GREETING, client.readExactly(1)[0]);
        return client;
    }

    private List<Firing> firingsOf(String alarm) {
        return firings.stream().filter(f -> f.alarm().equals(alarm)).toList();
    }

    private void assertFiringsStay(String alarm, int count) {
        await(alarm + " fired " + count + " times").during(HOLD).atMost(HOLD.plus(PATIENCE))
                .until(() -> firingsOf(alarm).size() == count);
    }

    private static Set<Integer> localPorts(List<TestClient> of) {
        return of.stream().map(c -> c.socket().getLocalPort()).collect(Collectors.toSet());
    }

    @Test
    void alarmsAtThresholdsTwoAndThreeFireWithTheLiveConnections() {
        Listener listener = listen(alarm("two", 2, LONG), alarm("three", 3, LONG));
        List<TestClient> connected = new ArrayList<>();

        connected.add(connectServed(listener));
        assertFiringsStay("two", 0);

        connected.add(connectServed(listener));
        await().atMost(PATIENCE).until(() -> firingsOf("two").size() == 1);
        Firing two = firingsOf("two").get(0);
        assertSame(listener, two.listener());
        assertEquals(localPorts(connected), two.peerPorts(), "the callback gets the two live connections");
        assertFiringsStay("three", 0);

        connected.add(connectServed(listener));
        await().atMost(PATIENCE).until(() -> firingsOf("three").size() == 1);
        Firing three = firingsOf("three").get(0);
        assertSame(listener, three.listener());
        assertEquals(localPorts(connected), three.peerPorts(), "the callback gets the three live connections");
        assertFiringsStay("two", 1);
    }

    @Test
    void aLongCooldownFiresOnceWhileMoreConnectionsArrive() {
        Listener listener = listen(alarm("busy", 2, LONG));
        for (int i = 0; i < 6; i++) {
            connectServed(listener);
        }

        assertFiringsStay("busy", 1);
        // The callback's snapshot is taken when it runs: on a loaded machine a connection
        // accepted meanwhile may already be in it, so "at least the threshold", not exactly.
        int seen = firings.get(0).peerPorts().size();
        assertTrue(seen >= 2 && seen <= 6, "it fired once the threshold was reached, seeing " + seen);
    }

    @Test
    void cooldownZeroFiresOnEveryNewConnectionAtOrOverTheThreshold() {
        Listener listener = listen(alarm("every", 2, Duration.ZERO));
        List<Integer> sizes = new ArrayList<>();
        for (int count = 1; count <= 5; count++) {
            connectServed(listener);
            int expected = Math.max(0, count - 1);
            await().atMost(PATIENCE).until(() -> firings.size() == expected);
            if (count >= 2) {
                sizes.add(count);
            }
        }

        assertFiringsStay("every", 4);
        assertEquals(sizes, firings.stream().map(f -> f.peerPorts().size()).toList(),
                "each firing saw the connections live at that moment");
    }

    @Test
    void doesNotFireBelowTheThreshold() {
        Listener listener = listen(alarm("three", 3, Duration.ZERO));
        connectServed(listener);
        TestClient second = connectServed(listener);
        assertFiringsStay("three", 0);

        second.close();
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 1);
        connectServed(listener);
        assertFiringsStay("three", 0);

        connectServed(listener);
        await("the third connection reaches the threshold").atMost(PATIENCE).until(() -> firings.size() == 1);
    }

    @Test
    void firesAgainOnlyOnceTheCooldownHasPassed() {
        Duration cooldown = Duration.ofMillis(300);
        Listener listener = listen(alarm("cooled", 1, cooldown));
        int connections = 0;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (firings.size() < 2 && System.nanoTime() < deadline) {
            TestClient client = connectServed(listener);
            connections++;
            client.close();
        }

        assertEquals(2, firings.size(), "it fired again after the cooldown");
        long gap = firings.get(1).nanos() - firings.get(0).nanos();
        // The callback stamps its time a little after the alarm read the clock, and the first
        // call may be slower (class loading): allow that much, far below the cooldown.
        Duration slack = Duration.ofMillis(50);
        assertTrue(gap >= cooldown.minus(slack).toNanos(),
                "the second firing came " + Duration.ofNanos(gap) + " after the first");
        assertTrue(connections > 2, "connections within the cooldown did not fire: " + connections + " connections");
    }
}
