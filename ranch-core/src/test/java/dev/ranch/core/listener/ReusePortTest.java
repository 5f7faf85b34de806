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

import static dev.ranch.core.test.GreetingProtocol.GREETING;
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
