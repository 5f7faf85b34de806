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

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ListenerOptions.reusePort}: a second listener (in a real restart, a second process)
 * binds the port the first one serves, the kernel spreads new clients over both, and once the
 * first is drained the second serves every client. Linux semantics.
 */
class ReusePortTest {

    /** Enough clients that the kernel's hash leaving one socket without any is out of the question. */
    private static final int CLIENTS = 64;

    @RegisterExtension
    final OpenClients clients = new OpenClients();
    @TestRanch
    private Ranch ranch;

    private Listener start(String name, ListenerOptions options) {
        return ranch.startListener(name, Transports.tcp(), options, c -> new GreetingProtocol(new ConnectionTracker()));
    }

    private void connectServed(int port) {
        TestClient client = clients.connect(port);
        assertEquals(GREETING, client.readExactly(1)[0], "served");
    }

    @Test
    void aSecondListenerBindsTheServedPortAndTakesOverWhenTheFirstDrains() {
        Listener old = start("old", Loopback.options().reusePort(true).build());
        Listener next = start("next", Loopback.options().reusePort(true).port(old.port()).build());
        assertEquals(old.port(), next.port());

        for (int i = 0; i < CLIENTS; i++) {
            connectServed(old.port());
        }
        long toOld = old.info().totalAccepted();
        long toNext = next.info().totalAccepted();
        assertEquals(CLIENTS, toOld + toNext, "every client was accepted by one of them");
        assertTrue(toOld > 0 && toNext > 0, "the kernel spread the clients: old " + toOld + ", next " + toNext);

        old.drain(Duration.ofSeconds(5));
        for (int i = 0; i < CLIENTS; i++) {
            connectServed(next.port());
        }
        assertEquals(toNext + CLIENTS, next.info().totalAccepted(), "the second listener took every new client");
    }

    @Test
    void aListenerHandingItsPortOverServesTheClientsWaitingInItsAcceptQueue() {
        // No slot at first, so the clients wait in the kernel's accept queue; then one acceptor
        // takes 10 a second, so the drain starts with clients still queued, and one waiting in
        // the acceptor for its turn. Closing the listen socket at once would reset the first
        // and drop the second.
        Listener old = start("old", Loopback.options().reusePort(true).numAcceptors(1).acceptRate(10, 1)
                .maxConnections(0).atLimit(AtLimit.WAIT).build());
        List<TestClient> waiting = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            waiting.add(clients.connect(old.port()));
        }
        await().atMost(PATIENCE).until(old::acceptQueueDepth, depth -> depth == waiting.size());
        old.setMaxConnections(ListenerOptions.INFINITY);

        old.drain(Duration.ofSeconds(5));
        for (TestClient client : waiting) {
            assertEquals(GREETING, client.readExactly(1)[0], "served before the drain closed it");
        }
        assertEquals(waiting.size(), old.info().totalAccepted());
    }

    @Test
    void withoutReusePortTheSecondBindFailsAsBefore() {
        Listener old = start("old", Loopback.options().reusePort(true).build());
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> start("next", Loopback.options().port(old.port()).build()));
        assertTrue(e.getMessage().contains("could not bind"), e.getMessage());
    }

    @Test
    void anInheritedChannelThatIsNotThereFailsTheStartWithTheReason() {
        // Surefire's fork reads its commands on standard input, a pipe: nothing inherited.
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> start("inherited", Loopback.options().inheritedChannel(true).build()));
        assertTrue(e.getMessage().contains("standard input is not a socket"), e.getMessage());
        assertTrue(ranch.listener("inherited").isEmpty(), "nothing is left registered");
    }

    @Test
    void anInheritedChannelIsOneSocket() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ListenerOptions.builder().inheritedChannel(true).numListenSockets(2).build());
        assertTrue(e.getMessage().contains("inheritedChannel"), e.getMessage());
    }
}
