package dev.ranch.core.listener;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.test.Clients;
import dev.ranch.core.test.ConnectionTracker;
import dev.ranch.core.test.GreetingProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Listener.awaitConnections} (Ranch's {@code wait_for_connections}). */
class AwaitConnectionsTest {

    private static final Duration HOLD = Duration.ofMillis(200);
    private static final Duration POLL = Duration.ofMillis(10);

    private final ConnectionTracker tracker = new ConnectionTracker();
    private final Deque<TestClient> clients = new ArrayDeque<>();
    private final ExecutorService waiters = Executors.newCachedThreadPool();
    @TestRanch
    private Ranch ranch;
    private Listener listener;

    /** Awaitility, polling often: these tests step through many small waits. */
    private static ConditionFactory soon() {
        return await().pollInterval(POLL);
    }

    @BeforeEach
    void listen() {
        listener = ranch.startListener("await", Transports.tcp(), Loopback.options().build(),
                c -> new GreetingProtocol(tracker));
    }

    @AfterEach
    void stop() {
        try {
            waiters.shutdownNow();
        } finally {
            Clients.closeAll(clients);
        }
    }

    /** Opens or closes clients until the listener has {@code count} connections. */
    private void moveTo(int count) {
        while (clients.size() < count) {
            TestClient client = TestClient.connect(listener.port());
            clients.push(client);
            assertEquals(GREETING, client.readExactly(1)[0]);
        }
        while (clients.size() > count) {
            clients.pop().close();
        }
        soon().atMost(PATIENCE).until(() -> listener.info().allConnections() == count);
    }

    private CompletableFuture<Boolean> waitOnAnotherThread(CountCondition condition, int n) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return listener.awaitConnections(condition, n, PATIENCE.multipliedBy(3));
            } catch (InterruptedException e) {
                throw new CompletionException(e);
            }
        }, waiters);
    }

    @ParameterizedTest(name = "{0} {1}: counts {2}, satisfied at {3}")
    @CsvSource({
            "EQUAL_TO,  3, 0 1 2 3, 3",
            "EQUAL_TO,  1, 3 2 1,   1",
            "MORE_THAN, 2, 0 1 2 3, 3",
            "AT_LEAST,  3, 0 1 2 3, 3",
            "LESS_THAN, 2, 3 2 1,   1",
            "AT_MOST,   1, 3 2 1,   1",
    })
    void waiterReturnsTrueExactlyWhenTheCountGetsThere(CountCondition condition, int n, String counts, int satisfiedAt) {
        int[] walk = Arrays.stream(counts.trim().split(" ")).mapToInt(Integer::parseInt).toArray();
        moveTo(walk[0]);
        CompletableFuture<Boolean> waiter = waitOnAnotherThread(condition, n);

        for (int count : walk) {
            moveTo(count);
            if (count == satisfiedAt) {
                soon().alias("the waiter returns at " + count).atMost(PATIENCE).until(waiter::isDone);
                assertTrue(waiter.join(), "returned true");
            } else {
                soon().alias("the waiter keeps waiting at " + count).during(HOLD).atMost(HOLD.plus(PATIENCE))
                        .until(() -> !waiter.isDone());
            }
        }
    }

    @Test
    void severalWaitersOnOtherThreadsEachReturnWhenTheirConditionHolds() {
        CompletableFuture<Boolean> atLeastTwo = waitOnAnotherThread(CountCondition.AT_LEAST, 2);
        CompletableFuture<Boolean> exactlyFour = waitOnAnotherThread(CountCondition.EQUAL_TO, 4);
        CompletableFuture<Boolean> noneYet = waitOnAnotherThread(CountCondition.LESS_THAN, 1);
        assertTrue(noneYet.join(), "true at once: no connection yet");

        moveTo(2);
        soon().atMost(PATIENCE).until(atLeastTwo::isDone);
        assertTrue(atLeastTwo.join());
        assertFalse(exactlyFour.isDone());

        moveTo(4);
        soon().atMost(PATIENCE).until(exactlyFour::isDone);
        assertTrue(exactlyFour.join());

        CompletableFuture<Boolean> empty = waitOnAnotherThread(CountCondition.EQUAL_TO, 0);
        moveTo(1);
        soon().alias("one left").during(HOLD).atMost(HOLD.plus(PATIENCE)).until(() -> !empty.isDone());
        moveTo(0);
        soon().atMost(PATIENCE).until(empty::isDone);
        assertTrue(empty.join());
    }

    @Test
    void returnsFalseWhenTheTimeoutPassesFirst() throws InterruptedException {
        moveTo(1);

        assertFalse(listener.awaitConnections(CountCondition.AT_LEAST, 2, Duration.ofMillis(100)));
        assertFalse(listener.awaitConnections(CountCondition.EQUAL_TO, 0, Duration.ofMillis(100)));
        assertFalse(listener.awaitConnections(CountCondition.MORE_THAN, 1, Duration.ZERO));
    }

    @Test
    void returnsTrueAtOnceWhenTheConditionAlreadyHoldsEvenWithoutTime() throws InterruptedException {
        moveTo(2);

        assertTrue(listener.awaitConnections(CountCondition.EQUAL_TO, 2, Duration.ZERO));
        assertTrue(listener.awaitConnections(CountCondition.AT_MOST, 2, Duration.ZERO));
        assertTrue(listener.awaitConnections(CountCondition.MORE_THAN, 1, Duration.ZERO));
    }

    @Test
    void countsConnectionsRemovedFromTheCountToo() throws InterruptedException {
        ConnectionTracker other = new ConnectionTracker();
        Listener removing = ranch.startListener("await-removed", Transports.tcp(),
                Loopback.options().build(),
                c -> new GreetingProtocol(other) {
                    @Override
                    public void onHandshake(Connection connection) {
                        connection.removeFromCount();
                        super.onHandshake(connection);
                    }
                });
        List<TestClient> two = new ArrayList<>(Clients.connectConcurrently(removing.port(), 2, 2));
        two.forEach(clients::push);
        two.forEach(c -> assertEquals(GREETING, c.readExactly(1)[0]));

        assertTrue(removing.awaitConnections(CountCondition.EQUAL_TO, 2, PATIENCE));
        assertEquals(0, removing.info().activeConnections());
    }

    @Test
    void aNegativeCountIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> listener.awaitConnections(CountCondition.AT_LEAST, -1, PATIENCE));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }
}
