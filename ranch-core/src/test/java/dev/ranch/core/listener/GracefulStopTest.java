package dev.ranch.core.listener;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.Clients;
import dev.ranch.core.test.ConnectionTracker;
import dev.ranch.core.test.GreetingProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.ProcessResources;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A listener's graceful stop, and a ranch's close. */
class GracefulStopTest {

    private static final byte[] BYE = "BYE\n".getBytes(StandardCharsets.US_ASCII);

    @TestRanch
    private Ranch ranch;
    private final ConnectionTracker tracker = new ConnectionTracker();
    @RegisterExtension
    final OpenClients clients = new OpenClients();

    /** Connects {@code count} clients and waits until each is served. */
    private List<TestClient> connectServed(Listener listener, int count) {
        List<TestClient> connected = clients.connectConcurrently(listener.port(), count, 4);
        for (TestClient client : connected) {
            assertEquals(GREETING, client.readExactly(1)[0]);
        }
        return connected;
    }

    /** Says goodbye and closes as soon as it is asked to shut down. */
    private static final class GoodbyeAtOnce extends GreetingProtocol {
        GoodbyeAtOnce(ConnectionTracker tracker) {
            super(tracker);
        }

        @Override
        public void onShutdown(Connection connection) {
            tracker.shutdownRequested(connection);
            connection.write(BYE);
            connection.close();
        }
    }

    /** Needs a while to wind down: says goodbye and closes only when its timer fires. */
    private static final class GoodbyeLater extends GreetingProtocol {
        private final Duration delay;

        GoodbyeLater(ConnectionTracker tracker, Duration delay) {
            super(tracker);
            this.delay = delay;
        }

        @Override
        public void onShutdown(Connection connection) {
            tracker.shutdownRequested(connection);
            connection.schedule(delay, "goodbye");
        }

        @Override
        public void onTimeout(Connection connection, Object token) {
            connection.write(BYE);
            connection.close();
        }
    }

    /** Ignores the request to shut down. */
    private static final class NeverCloses extends GreetingProtocol {
        NeverCloses(ConnectionTracker tracker) {
            super(tracker);
        }

        @Override
        public void onShutdown(Connection connection) {
            tracker.shutdownRequested(connection);
        }
    }

    /** Stops listener {@code name} and says how long {@code stopListener} took to return. */
    private Duration timeToStop(String name) {
        long started = System.nanoTime();
        ranch.stopListener(name);
        return Duration.ofNanos(System.nanoTime() - started);
    }

    private static void assertGoodbyeThenEnd(TestClient client) {
        assertEquals("BYE", client.readLine());
        assertEquals(0, client.readToEnd().length, "the connection ends cleanly after the goodbye");
    }

    @Test
    void stopListenerAsksEveryConnectionToShutDownAndThenRefusesNewClients() {
        int count = 20;
        Listener listener = ranch.startListener("bye", Transports.tcp(), Loopback.options().build(),
                c -> new GoodbyeAtOnce(tracker));
        int port = listener.port();
        List<TestClient> served = connectServed(listener, count);

        assertTrue(ranch.stopListener("bye"));

        // stop has returned: every connection is already gone.
        assertEquals(ListenerState.STOPPED, listener.state());
        assertEquals(0, listener.info().activeConnections());
        assertEquals(count, tracker.shutdowns(), "onShutdown calls");
        served.forEach(GracefulStopTest::assertGoodbyeThenEnd);
        await().atMost(PATIENCE).until(() -> tracker.closed() == count);

        UncheckedIOException refused = assertThrows(UncheckedIOException.class, () -> TestClient.connect(port));
        assertInstanceOf(ConnectException.class, refused.getCause());
    }

    @Test
    void stopWaitsForProtocolsThatTakeTimeToSayGoodbyeButNotForTheShutdownTimeout() {
        int count = 10;
        Duration goodbyeDelay = Duration.ofMillis(200);
        Duration shutdownTimeout = Duration.ofSeconds(5);
        Listener listener = ranch.startListener("slow-bye", Transports.tcp(),
                Loopback.options().shutdownTimeout(shutdownTimeout).build(),
                c -> new GoodbyeLater(tracker, goodbyeDelay));
        List<TestClient> served = connectServed(listener, count);

        Duration took = timeToStop("slow-bye");

        assertTrue(took.compareTo(goodbyeDelay) >= 0, "stop waited for the goodbyes, took " + took);
        assertTrue(took.compareTo(shutdownTimeout) < 0, "stop returned once the connections closed, took " + took);
        assertEquals(0, listener.info().activeConnections());
        served.forEach(GracefulStopTest::assertGoodbyeThenEnd);
        await().atMost(PATIENCE).until(() -> tracker.closed() == count);
    }

    @Test
    void stopAbortsConnectionsStillOpenAfterTheShutdownTimeout() {
        int count = 5;
        Duration shutdownTimeout = Duration.ofMillis(300);
        Listener listener = ranch.startListener("stubborn", Transports.tcp(),
                Loopback.options().shutdownTimeout(shutdownTimeout).build(), c -> new NeverCloses(tracker));
        List<TestClient> served = connectServed(listener, count);

        Duration took = timeToStop("stubborn");

        assertTrue(took.compareTo(shutdownTimeout) >= 0, "stop gave the connections their time, took " + took);
        assertEquals(ListenerState.STOPPED, listener.state());
        assertEquals(0, listener.info().activeConnections());
        assertEquals(count, tracker.shutdowns());
        await("onClose of every aborted connection").atMost(PATIENCE).until(() -> tracker.closed() == count);
        for (TestClient client : served) {
            assertTrue(client.isClosedByPeer(), "the client sees its connection closed");
        }
    }

    @Test
    void stopEndsAcceptorsParkedAtTheLimitAndDropsTheClientsStillWaiting() {
        int limit = 2;
        int waiting = 3;
        Listener listener = ranch.startListener("parked", Transports.tcp(),
                Loopback.options().maxConnections(limit).numAcceptors(4).build(), c -> new GoodbyeAtOnce(tracker));
        List<TestClient> all = clients.connectConcurrently(listener.port(), limit + waiting, 4);
        await().atMost(PATIENCE).until(() -> tracker.handshaken() == limit);
        assertEquals(listener.options().numAcceptors(),
                ProcessResources.liveThreadsNamed("ranch-parked-acceptor-").size());

        ranch.stopListener("parked");

        assertEquals(List.of(), ProcessResources.names(ProcessResources.liveThreadsNamed("ranch-parked-acceptor-")),
                "acceptor threads alive after stop");
        assertEquals(0, listener.info().activeConnections());
        assertEquals(limit, tracker.initialized(), "no waiting client was served during the stop");
        for (TestClient client : all) {
            if (tracker.servedPeerPorts().contains(client.socket().getLocalPort())) {
                assertEquals(GREETING, client.readExactly(1)[0]);
                assertGoodbyeThenEnd(client);
            } else {
                assertTrue(client.isClosedByPeer(), "a client still waiting in the backlog is dropped");
            }
        }
    }

    @Test
    void closeLeavesNoThreadAndNoFileDescriptorBehind() {
        assumeTrue(ProcessResources.fileDescriptorsVisible(), "needs Linux /proc/self/fd");
        int count = 50;
        int waiting = 10;
        warmUp();
        Set<Thread> threadsBefore = ProcessResources.liveThreadsNamed("ranch-");
        List<String> fdsBefore = ProcessResources.openFileDescriptors();

        Ranch other = Ranch.builder().eventLoops(2).build();
        List<TestClient> open = new ArrayList<>();
        try {
            // At its limit with clients waiting, so close() also has parked acceptors to end.
            Listener listener = other.startListener("leak", Transports.tcp(),
                    Loopback.options().maxConnections(count).build(), c -> new GreetingProtocol(tracker));
            open.addAll(Clients.connectConcurrently(listener.port(), count + waiting, 4));
            await().atMost(PATIENCE).until(() -> tracker.handshaken() == count);
            // The measurements do see what the ranch holds: its threads, and a descriptor per
            // socket on each side.
            Set<Thread> threadsRunning = new HashSet<>(ProcessResources.liveThreadsNamed("ranch-"));
            threadsRunning.removeAll(threadsBefore);
            assertTrue(threadsRunning.size() >= 2 + listener.options().numAcceptors(),
                    "new ranch threads: " + ProcessResources.names(threadsRunning));
            assertTrue(ProcessResources.openFileDescriptors().size() >= fdsBefore.size() + 2 * count + waiting);

            other.close();

            Set<Thread> threadsLeft = new HashSet<>(ProcessResources.liveThreadsNamed("ranch-"));
            threadsLeft.removeAll(threadsBefore);
            assertEquals(List.of(), ProcessResources.names(threadsLeft), "ranch threads alive after close()");
        } finally {
            other.close();
            Clients.closeAll(open);
        }
        await("descriptors back to the baseline").atMost(PATIENCE)
                .untilAsserted(() -> assertEquals(fdsBefore, ProcessResources.openFileDescriptors()));
    }

    /**
     * Does once what the leak check does, so descriptors the JDK opens on first use and keeps
     * for the life of the process are open before the baseline is taken.
     */
    private void warmUp() {
        ConnectionTracker warmUpTracker = new ConnectionTracker();
        Listener listener = ranch.startListener("warm-up", Transports.tcp(), Loopback.options().build(),
                c -> new GreetingProtocol(warmUpTracker));
        List<TestClient> warmUpClients = Clients.connectConcurrently(listener.port(), 2, 2);
        try {
            await().atMost(PATIENCE).until(() -> warmUpTracker.handshaken() == 2);
            for (TestClient client : warmUpClients) {
                assertEquals(GREETING, client.readExactly(1)[0]);
                byte[] payload = Bytes.random(16, 0);
                client.write(payload);
                assertArrayEquals(payload, client.readExactly(payload.length));
            }
        } finally {
            Clients.closeAll(warmUpClients);
        }
        await().atMost(PATIENCE).untilAsserted(() -> assertEquals(0, listener.info().activeConnections()));
        ranch.stopListener("warm-up");
    }
}
