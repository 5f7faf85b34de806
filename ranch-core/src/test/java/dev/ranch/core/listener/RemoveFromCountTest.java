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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.EchoProtocol.assertEchoes;
import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Connection.removeFromCount()} (Ranch's {@code remove_connection}): the connection
 * keeps running but stops counting against {@code maxConnections}.
 */
class RemoveFromCountTest {


    private final ConnectionTracker tracker = new ConnectionTracker();
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    @TestRanch
    private Ranch ranch;

    /**
     * A listener whose first {@code removing} connections call {@code removeFromCount()}
     * {@code times} times in {@code onHandshake}, before greeting.
     */
    private Listener listen(int maxConnections, int removing, int times) {
        AtomicInteger handed = new AtomicInteger();
        return ranch.startListener("remove-from-count", Transports.tcp(),
                Loopback.options().maxConnections(maxConnections).build(),
                c -> new Removing(tracker, handed.getAndIncrement() < removing ? times : 0));
    }

    private TestClient connect(Listener listener) {
        return clients.connect(listener.port());
    }

    private TestClient connectServed(Listener listener) {
        TestClient client = connect(listener);
        assertEquals(GREETING, client.readExactly(1)[0], "served");
        return client;
    }

    @Test
    void aRemovedConnectionLetsTheNextClientIn() {
        Listener listener = listen(1, 1, 1);
        TestClient removed = connectServed(listener);

        TestClient next = connectServed(listener);

        assertEchoes(removed, "still served after leaving the count");
        assertEchoes(next, "served in the freed slot");
        ListenerInfo info = listener.info();
        assertEquals(1, info.activeConnections(), "only the second counts");
        assertEquals(2, info.allConnections(), "both are live");
        assertEquals(2, info.totalAccepted());

        connect(listener);
        assertStays("the limit of 1 still holds for counted connections",
                () -> tracker.initialized() == 2 && listener.info().activeConnections() == 1);
    }

    @Test
    void removingTheSameConnectionRepeatedlyFreesOneSlotOnly() {
        Listener listener = listen(2, 1, 5);
        TestClient removed = connectServed(listener);

        connectServed(listener);
        connectServed(listener);
        connect(listener);

        assertStays("two counted connections fill the limit of 2; the fourth client waits",
                () -> tracker.initialized() == 3 && listener.info().activeConnections() == 2
                        && listener.info().allConnections() == 3);
        assertEchoes(removed, "five removals, still one live connection");
    }

    @Test
    void aRemovedConnectionThatClosesDoesNotFreeASlotAgain() {
        Listener listener = listen(1, 1, 1);
        TestClient removed = connectServed(listener);
        TestClient counted = connectServed(listener);

        removed.close();
        await().atMost(PATIENCE).until(() -> tracker.closed() == 1 && listener.info().allConnections() == 1);
        TestClient waiting = connect(listener);

        assertStays("the counted connection still holds the only slot",
                () -> tracker.initialized() == 2 && listener.info().activeConnections() == 1);
        counted.close();
        assertEquals(GREETING, waiting.readExactly(1)[0], "served once the counted connection left");
        assertStays("exactly one counted connection",
                () -> listener.info().activeConnections() == 1 && listener.info().allConnections() == 1);
    }

    @Test
    void isCountedTurnsFalseAfterRemoval() {
        List<Boolean> seen = new ArrayList<>();
        Listener listener = ranch.startListener("remove-from-count", Transports.tcp(), Loopback.options().build(),
                c -> new GreetingProtocol(tracker) {
                    @Override
                    public void onHandshake(Connection connection) {
                        synchronized (seen) {
                            seen.add(connection.isCounted());
                            connection.removeFromCount();
                            seen.add(connection.isCounted());
                        }
                        super.onHandshake(connection);
                    }
                });
        connectServed(listener);

        synchronized (seen) {
            assertEquals(2, seen.size());
            assertTrue(seen.get(0), "counted before");
            assertFalse(seen.get(1), "not counted after");
        }
        assertEquals(0, listener.info().activeConnections());
        assertEquals(1, listener.info().allConnections());
    }

    /** Greets and echoes; removes itself from the count {@code times} times when the handshake completes. */
    private static final class Removing extends GreetingProtocol {
        private final int times;

        Removing(ConnectionTracker tracker, int times) {
            super(tracker);
            this.times = times;
        }

        @Override
        public void onHandshake(Connection connection) {
            for (int i = 0; i < times; i++) {
                connection.removeFromCount();
            }
            super.onHandshake(connection);
        }
    }
}
