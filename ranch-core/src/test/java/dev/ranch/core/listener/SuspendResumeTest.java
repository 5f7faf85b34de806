package dev.ranch.core.listener;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.Bytes;
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
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Listener.suspend()} and {@code resume()}: stop listening, keep serving, listen again. */
class SuspendResumeTest {

    private static final String NAME = "suspend-resume";
    private static final String ACCEPTORS = "ranch-" + NAME + "-acceptor-";

    private final ConnectionTracker tracker = new ConnectionTracker();
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    @TestRanch
    private Ranch ranch;

    private Listener listen(ListenerOptions.Builder options) {
        return ranch.startListener(NAME, Transports.tcp(), options.build(), c -> new GreetingProtocol(tracker));
    }

    /**
     * A client whose connection is still in the kernel's backlog when the listener suspends is
     * either served (greeted) or refused (end of stream or reset), never left connected with
     * nobody owning its socket. On JDK 25, interrupting an acceptor inside {@code accept()}
     * stranded the socket the kernel was handing over, in most rounds; JDK 17 never did.
     */
    @Test
    void aClientConnectingAsTheListenerSuspendsIsServedOrRefusedNeverStranded() throws Exception {
        for (int round = 0; round < 30; round++) {
            Listener listener = listen(Loopback.options());
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
                listener.suspend();
                client.setSoTimeout((int) PATIENCE.toMillis());
                try {
                    int first = client.getInputStream().read();
                    assertTrue(first == GREETING || first < 0, "round " + round + ": greeted or closed, got " + first);
                } catch (SocketTimeoutException stranded) {
                    throw new AssertionError("round " + round + ": connected, never served, never closed", stranded);
                } catch (SocketException reset) {
                    // Refused with a reset: the client knows.
                }
            } finally {
                ranch.stopListener(NAME);
            }
        }
    }

    /** Connects {@code count} clients and waits until each is served (greeted). */
    private List<TestClient> connectServed(int port, int count) {
        List<TestClient> connected = clients.connectConcurrently(port, count, 10);
        for (TestClient client : connected) {
            assertEquals(GREETING, client.readExactly(1)[0], "a served client is greeted first");
        }
        return connected;
    }

    /** Sends each client a payload of its own and checks the echo. */
    private static void assertEchoes(List<TestClient> served, long seed) {
        for (int i = 0; i < served.size(); i++) {
            byte[] payload = Bytes.random(64, seed + i);
            assertArrayEquals(payload, served.get(i).write(payload).readExactly(payload.length),
                    "client " + i + " is still served");
        }
    }

    /** A connect to {@code port} that the kernel refuses, because nothing listens there. */
    private static void assertRefused(int port) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> TestClient.connect(port).close(),
                "nothing listens on port " + port);
        assertInstanceOf(ConnectException.class, e.getCause(), "the connect is refused, not timed out");
    }

    @Test
    void suspendKeepsAHundredLiveConnectionsServingWhileNewConnectsAreRefused() {
        Listener listener = listen(Loopback.options());
        int port = listener.port();
        List<TestClient> live = connectServed(port, 100);

        listener.suspend();

        assertEquals(ListenerState.SUSPENDED, listener.state());
        assertEquals(ListenerState.SUSPENDED, listener.info().state());
        assertEquals(port, listener.info().port(), "a suspended listener keeps its port");
        assertRefused(port);
        assertEchoes(live, 1);
        assertEquals(100, listener.info().activeConnections());
        assertEquals(0, tracker.closed(), "suspending closed no connection");
        assertTrue(ProcessResources.liveThreadsNamed(ACCEPTORS).isEmpty(),
                "acceptors stopped: " + ProcessResources.names(ProcessResources.liveThreadsNamed(ACCEPTORS)));
    }

    @Test
    void resumeAcceptsAgainOnTheSamePortWhileOldConnectionsKeepServing() {
        Listener listener = listen(Loopback.options());
        int port = listener.port();
        List<TestClient> old = connectServed(port, 10);
        listener.suspend();
        assertRefused(port);

        listener.resume();

        assertEquals(ListenerState.RUNNING, listener.state());
        assertEquals(port, listener.port());
        List<TestClient> fresh = connectServed(port, 5);
        assertEchoes(fresh, 100);
        assertEchoes(old, 200);
        assertEquals(15, listener.info().activeConnections());
        assertEquals(15, listener.info().totalAccepted());
    }

    @Test
    void suspendingASuspendedListenerIsANoOp() {
        Listener listener = listen(Loopback.options());
        List<TestClient> live = connectServed(listener.port(), 3);
        listener.suspend();

        listener.suspend();

        assertEquals(ListenerState.SUSPENDED, listener.state());
        assertEchoes(live, 7);
        listener.resume();
        connectServed(listener.port(), 1);
        assertEquals(4, listener.info().activeConnections());
    }

    @Test
    void resumingAStoppedListenerIsAnError() {
        Listener listener = listen(Loopback.options());
        assertTrue(ranch.stopListener(NAME));

        IllegalStateException e = assertThrows(IllegalStateException.class, listener::resume);
        assertTrue(e.getMessage().contains(NAME), "the message names the listener: " + e.getMessage());
        assertEquals(ListenerState.STOPPED, listener.state());
        assertTrue(ProcessResources.liveThreadsNamed(ACCEPTORS).isEmpty(), "resume started no acceptor");
        assertRefused(listener.port());
    }

    @Test
    void suspendingAStoppedListenerIsAnError() {
        Listener listener = listen(Loopback.options());
        listener.stop();

        assertThrows(IllegalStateException.class, listener::suspend);
        assertEquals(ListenerState.STOPPED, listener.state());
    }

    @Test
    void numAcceptorsChangedWhileSuspendedAppliesOnResume() {
        Listener listener = listen(Loopback.options().numAcceptors(2));
        await().atMost(PATIENCE).until(() -> ProcessResources.liveThreadsNamed(ACCEPTORS).size() == 2);
        listener.suspend();

        listener.setOptions(listener.options().toBuilder().numAcceptors(5).build());
        assertEquals(ListenerState.SUSPENDED, listener.state(), "changing options does not resume");
        assertTrue(ProcessResources.liveThreadsNamed(ACCEPTORS).isEmpty(), "no acceptor while suspended");
        assertRefused(listener.port());

        listener.resume();

        await("the resumed pool has the new number of acceptors").atMost(PATIENCE)
                .until(() -> ProcessResources.liveThreadsNamed(ACCEPTORS).size() == 5);
        assertEquals(5, listener.info().numAcceptors());
        connectServed(listener.port(), 5);
    }

    @Test
    void numAcceptorsChangedWhileRunningWaitsForTheNextResume() {
        Listener listener = listen(Loopback.options().numAcceptors(2));
        await().atMost(PATIENCE).until(() -> ProcessResources.liveThreadsNamed(ACCEPTORS).size() == 2);

        listener.setOptions(listener.options().toBuilder().numAcceptors(5).build());

        assertStays("the running pool keeps its two acceptors",
                () -> ProcessResources.liveThreadsNamed(ACCEPTORS).size() == 2);
        connectServed(listener.port(), 3);
        assertEquals(2, listener.info().numAcceptors(),
                "info() reports the acceptor threads running, not those of a resume to come");
        listener.suspend();
        listener.resume();
        await().atMost(PATIENCE).until(() -> ProcessResources.liveThreadsNamed(ACCEPTORS).size() == 5);
        assertEquals(5, listener.info().numAcceptors());
    }

    @Test
    void stoppingASuspendedListenerClosesEveryConnection() {
        Listener listener = listen(Loopback.options());
        int port = listener.port();
        List<TestClient> live = connectServed(port, 20);
        listener.suspend();

        assertTrue(ranch.stopListener(NAME));

        assertEquals(ListenerState.STOPPED, listener.state());
        assertEquals(20, tracker.closed(), "every connection got onClose before stop returned");
        assertEquals(20, tracker.shutdowns(), "every connection was asked to shut down");
        for (TestClient client : live) {
            assertTrue(client.isClosedByPeer(), "the server closed the client");
        }
        assertEquals(0, listener.info().allConnections());
        assertTrue(ranch.listener(NAME).isEmpty(), "the ranch forgot the stopped listener");
        assertRefused(port);
    }

    @Test
    void aResumedListenerCanBeSuspendedAndResumedAgain() {
        Listener listener = listen(Loopback.options());
        int port = listener.port();
        List<TestClient> first = connectServed(port, 2);
        for (int round = 0; round < 3; round++) {
            listener.suspend();
            assertRefused(port);
            listener.resume();
            connectServed(port, 1);
        }
        assertEchoes(first, 300);
        assertStays("every client is still served", () -> listener.info().activeConnections() == 5);
    }
}
