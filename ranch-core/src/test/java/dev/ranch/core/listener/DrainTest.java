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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.HOLD;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Listener.drain(timeout)}: refuse new clients at once, let in-flight work finish, stop. */
class DrainTest {

    private static final String NAME = "drain";
    private static final String FIRST_HALF = "first half;";
    private static final String SECOND_HALF = "second half\n";

    private final ConnectionTracker tracker = new ConnectionTracker();
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    /** Holds the in-flight reply until the test has looked at the draining listener. */
    private final AtomicBoolean workMayFinish = new AtomicBoolean();
    @TestRanch
    private Ranch ranch;

    @AfterEach
    void letInFlightWorkFinish() {
        workMayFinish.set(true);
    }

    private TestClient connectServed(Listener listener) {
        TestClient client = clients.connect(listener.port());
        assertEquals(GREETING, client.readExactly(1)[0], "served");
        return client;
    }

    private static Thread drainInBackground(Listener listener, Duration timeout) {
        Thread drainer = new Thread(() -> listener.drain(timeout), "drainer");
        drainer.start();
        return drainer;
    }

    private static void assertRefused(int port) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> TestClient.connect(port).close());
        assertInstanceOf(ConnectException.class, e.getCause(), "refused, not timed out");
    }

    private void assertForgotten(Listener listener) {
        assertEquals(ListenerState.STOPPED, listener.state());
        assertTrue(ranch.listener(NAME).isEmpty(), "the ranch forgot the name");
        assertTrue(ranch.info().stream().noneMatch(i -> i.name().equals(NAME)), "and lists it no more");
        Listener again = ranch.startListener(NAME, Transports.tcp(), Loopback.options().build(),
                c -> new GreetingProtocol(new ConnectionTracker()));
        connectServed(again);
    }

    @Test
    void drainLetsInFlightWorkFinishAndRefusesNewConnectsMeanwhile() {
        Listener listener = ranch.startListener(NAME, Transports.tcp(), Loopback.options().build(),
                c -> new HalfReply(tracker, workMayFinish));
        int port = listener.port();
        TestClient busy = connectServed(listener);
        assertEquals(FIRST_HALF, busy.write("work\n").readString(FIRST_HALF.length()), "the reply is in flight");
        TestClient idle = connectServed(listener);

        Thread drainer = drainInBackground(listener, PATIENCE);
        await().atMost(PATIENCE).until(() -> tracker.shutdowns() == 2);

        assertEquals(ListenerState.STOPPING, listener.state());
        assertRefused(port);
        assertTrue(idle.isClosedByPeer(), "a connection with nothing in flight closes at once");
        await("the busy connection and the drain wait for the work").during(HOLD).atMost(HOLD.plus(PATIENCE))
                .until(() -> drainer.isAlive() && tracker.closed() == 1);

        workMayFinish.set(true);

        assertEquals(SECOND_HALF, busy.readString(SECOND_HALF.length()), "the client got the whole reply");
        assertTrue(busy.isClosedByPeer(), "then the server closed");
        await().atMost(PATIENCE).until(() -> !drainer.isAlive());
        assertEquals(2, tracker.closed());
        assertForgotten(listener);
    }

    @Test
    void drainWithAShortTimeoutAbortsConnectionsThatDoNotFinish() {
        Listener listener = ranch.startListener(NAME, Transports.tcp(),
                Loopback.options().shutdownTimeout(Duration.ofMinutes(1)).build(), c -> new IgnoresShutdown(tracker));
        TestClient straggler = connectServed(listener);

        Thread drainer = drainInBackground(listener, Duration.ofMillis(200));

        await("the drain's own timeout applies, not the minute of shutdownTimeout").atMost(PATIENCE)
                .until(() -> !drainer.isAlive());
        assertEquals(1, tracker.shutdowns(), "the straggler was asked to finish");
        assertEquals(1, tracker.closed(), "and was closed for it");
        assertTrue(straggler.isClosedByPeer());
        assertForgotten(listener);
    }

    /**
     * Answers a request in two halves: the first at once, the second only when asked to shut
     * down, from a timer that fires once {@code mayFinish} is set; then closes.
     */
    private static final class HalfReply extends GreetingProtocol {
        private final AtomicBoolean mayFinish;
        private boolean inFlight;

        HalfReply(ConnectionTracker tracker, AtomicBoolean mayFinish) {
            super(tracker);
            this.mayFinish = mayFinish;
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            inFlight = true;
            connection.write(FIRST_HALF.getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void onShutdown(Connection connection) {
            tracker.shutdownRequested(connection);
            if (inFlight) {
                connection.schedule(Duration.ofMillis(20), "finish");
            } else {
                connection.close();
            }
        }

        @Override
        public void onTimeout(Connection connection, Object token) {
            if (!mayFinish.get()) {
                connection.schedule(Duration.ofMillis(20), token);
                return;
            }
            connection.write(SECOND_HALF.getBytes(StandardCharsets.US_ASCII));
            connection.close();
        }
    }

    /** Hears the shutdown request and does nothing about it. */
    private static final class IgnoresShutdown extends GreetingProtocol {
        IgnoresShutdown(ConnectionTracker tracker) {
            super(tracker);
        }

        @Override
        public void onShutdown(Connection connection) {
            tracker.shutdownRequested(connection);
        }
    }
}
