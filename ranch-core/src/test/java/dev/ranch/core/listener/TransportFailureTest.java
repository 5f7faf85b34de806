package dev.ranch.core.listener;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.ConnectionTracker;
import dev.ranch.core.test.FaultyTransport;
import dev.ranch.core.test.GreetingProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transport that throws where it should not (a buggy TLS or PROXY implementation) costs
 * one connection: its socket is closed, its slot is freed, the acceptor keeps accepting.
 * Every listener here has one acceptor and one slot, so a leaked slot or a dead acceptor
 * shows as the next client never being served.
 */
class TransportFailureTest {

    @TestRanch(eventLoops = 1)
    private Ranch ranch;
    private final FaultyTransport transport = new FaultyTransport();
    private final ConnectionTracker tracker = new ConnectionTracker();

    private Listener listen() {
        // A handshake timeout far beyond PATIENCE: it must not be what frees a leaked slot.
        return ranch.startListener("faulty", transport, Loopback.options().maxConnections(1).numAcceptors(1)
                .handshakeTimeout(Duration.ofMinutes(1)).build(), c -> new GreetingProtocol(tracker));
    }

    private static void assertServed(Listener listener) {
        try (TestClient next = TestClient.connect(listener.port())) {
            assertEquals(GREETING, next.readExactly(1)[0], "the next client is served");
        }
    }

    @Test
    void aThrowingSocketConfigurationDropsThatConnectionAndTheAcceptorGoesOn() {
        Listener listener = listen();
        transport.failConfigure.set(true);
        try (TestClient dropped = TestClient.connect(listener.port())) {
            assertTrue(dropped.isClosedByPeer(), "the connection that could not be configured is closed");
        }
        assertServed(listener);
        assertEquals(1, tracker.initialized(), "only the served connection reached a protocol");
    }

    @Test
    void aThrowingSessionCreationFreesTheSlotWithoutWaitingForTheHandshakeTimeout() {
        Listener listener = listen();
        transport.failNewSession.set(true);
        try (TestClient dropped = TestClient.connect(listener.port())) {
            assertTrue(dropped.isClosedByPeer(), "the connection without a session is closed");
        }
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
        assertServed(listener);
    }

    @Test
    void aThrowingGoodbyeStillClosesTheSocketCallsOnCloseOnceAndFreesTheSlot() {
        Listener listener = listen();
        transport.failBeforeClose.set(true);
        try (TestClient first = TestClient.connect(listener.port())) {
            assertEquals(GREETING, first.readExactly(1)[0]);
            // Graceful stop path: onShutdown closes, the transport's goodbye throws.
            ranch.stopListener("faulty");
            assertTrue(first.isClosedByPeer(), "the socket is closed although the goodbye threw");
        }
        assertEquals(1, tracker.closed(), "onClose ran exactly once");
        assertEquals(0, listener.info().activeConnections());
    }
}
