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

import java.io.UncheckedIOException;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.EchoProtocol.assertEchoes;
import static dev.ranch.core.test.GreetingProtocol.GREETING;
import static dev.ranch.core.test.Patience.HOLD;
import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link AtLimit}: what a listener does with a client that arrives at {@code maxConnections}. */
class AtLimitTest {

    private static final String SERVER_FULL = "ERR server full";

    private final ConnectionTracker tracker = new ConnectionTracker();
    private final Rejections rejections = new Rejections();
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    @TestRanch
    private Ranch ranch;

    private Listener listen(ListenerOptions.Builder options, int rejectionBytes) {
        return ranch.startListener("at-limit", Transports.tcp(), options.build(),
                c -> new ServerFull(tracker, rejections, rejectionBytes));
    }

    private TestClient connect(Listener listener) {
        return clients.connect(listener.port());
    }

    private TestClient connectServed(Listener listener) {
        TestClient client = connect(listener);
        assertEquals(GREETING, client.readExactly(1)[0], "served");
        return client;
    }

    /** Reads until the server closes; a reset (the server closed with our bytes unread) counts as closed. */
    private static byte[] readUntilClosed(TestClient client) {
        try {
            return client.readToEnd();
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof SocketException) {
                return null;
            }
            throw e;
        }
    }

    @Test
    void rejectAnswersAndClosesWhileCountedConnectionsKeepWorking() {
        Listener listener = listen(Loopback.options().maxConnections(2).atLimit(AtLimit.REJECT), 0);
        TestClient first = connectServed(listener);
        TestClient second = connectServed(listener);

        for (int i = 0; i < 3; i++) {
            TestClient refused = connect(listener);
            assertEquals(SERVER_FULL, refused.readLine(), "the protocol answered the refused client");
            assertTrue(refused.isClosedByPeer(), "and the server closed it");
        }

        assertEchoes(first, "still served");
        assertEchoes(second, "also still served");
        ListenerInfo info = listener.info();
        assertEquals(3, info.totalRefused());
        assertEquals(2, info.totalAccepted());
        assertEquals(2, info.activeConnections());
        assertEquals(3, rejections.rejected.get());
        assertEquals(2, tracker.initialized(), "refused connections get no init");
        assertEquals(2, tracker.handshaken(), "refused connections get no onHandshake");

        first.close();
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 1);
        connectServed(listener);
        assertEquals(3, listener.info().totalRefused(), "below the limit a client is served, not refused");
    }

    @Test
    void rejectedConnectionsAreNeverReadEvenWhenTheClientSendsAtOnce() {
        Listener listener = listen(Loopback.options().maxConnections(1).atLimit(AtLimit.REJECT), 0);
        TestClient served = connectServed(listener);

        for (int i = 0; i < 5; i++) {
            TestClient refused = connect(listener);
            refused.write("please read me\n");
            readUntilClosed(refused);
        }

        await().atMost(PATIENCE).until(() -> rejections.closed.get() == 5);
        assertEquals(0, rejections.readWhileRejected.get(), "onData never ran for a rejected connection");
        assertEquals(5, listener.info().totalRefused());
        assertEchoes(served, "unaffected");
    }

    @Test
    void aRejectedConnectionIsNotCountedWhileItLives() {
        // A rejection too large for the kernel's buffers keeps the rejected connection open
        // (closing, its answer queued) until the client reads it.
        int answer = 1024 * 1024;
        Listener listener = listen(
                Loopback.options().maxConnections(1).atLimit(AtLimit.REJECT).sendBufferSize(8 * 1024), answer);
        connectServed(listener);
        TestClient refused = connect(listener);
        await().atMost(PATIENCE).until(() -> rejections.rejected.get() == 1);

        assertStays("live but not counted", () -> listener.info().allConnections() == 2
                && listener.info().activeConnections() == 1);
        List<ConnectionInfo> snapshot = listener.connections();
        assertEquals(1, snapshot.stream().filter(ConnectionInfo::counted).count());
        assertEquals(1, snapshot.stream().filter(c -> !c.counted()).count());

        assertEquals(SERVER_FULL, refused.readLine());
        assertEquals(answer - SERVER_FULL.length() - 1, refused.readToEnd().length, "the whole answer, then closed");
        await().atMost(PATIENCE).until(() -> listener.info().allConnections() == 1);
        assertEquals(1, listener.info().activeConnections());
    }

    @Test
    void closeClosesAtOnceWithoutDataAndCreatesNoProtocol() {
        Listener listener = listen(Loopback.options().maxConnections(1).atLimit(AtLimit.CLOSE), 0);
        TestClient served = connectServed(listener);

        for (int i = 0; i < 3; i++) {
            TestClient refused = connect(listener);
            assertTrue(refused.isClosedByPeer(), "closed without a byte");
        }

        assertEquals(3, listener.info().totalRefused());
        assertEquals(1, rejections.created.get(), "no protocol for a closed client");
        assertEquals(0, rejections.rejected.get());
        assertEchoes(served, "unaffected");
        assertEquals(1, listener.info().activeConnections());
    }

    @Test
    void switchingToRejectAtRunTimeRejectsTheNextClientAtTheLimit() throws SocketException {
        Listener listener = listen(Loopback.options().maxConnections(1).numAcceptors(2), 0);
        connectServed(listener);
        TestClient waiting = connect(listener);
        assertStays("under WAIT the second client waits", () -> tracker.initialized() == 1
                && listener.info().totalRefused() == 0);

        listener.setOptions(listener.options().toBuilder().atLimit(AtLimit.REJECT).build());
        TestClient next = connect(listener);

        next.socket().setSoTimeout(3000);
        assertEquals(SERVER_FULL, next.readLine(), "a client arriving after the switch is rejected");
        assertTrue(listener.info().totalRefused() >= 1);
        waiting.close();
    }

    @Test
    void switchingToWaitAtRunTimeRefusesNobodyAfterwards() {
        Listener listener = listen(Loopback.options().maxConnections(1).numAcceptors(2).atLimit(AtLimit.REJECT), 0);
        connectServed(listener);

        listener.setOptions(listener.options().toBuilder().atLimit(AtLimit.WAIT).build());
        connect(listener);
        connect(listener);

        // Refusals only grow: once one happened the condition cannot come back, so fail fast.
        await("clients arriving after the switch wait instead of being refused")
                .during(HOLD).atMost(HOLD.plusSeconds(1))
                .until(() -> listener.info().totalRefused() == 0 && rejections.rejected.get() == 0);
        assertEquals(1, tracker.initialized(), "and are not served beyond the limit either");
    }

    /** What the rejected side of {@link ServerFull} saw, across connections. */
    private static final class Rejections {
        final AtomicInteger created = new AtomicInteger();
        final AtomicInteger rejected = new AtomicInteger();
        final AtomicInteger readWhileRejected = new AtomicInteger();
        final AtomicInteger closed = new AtomicInteger();
    }

    /** Greets and echoes when served; answers {@value #SERVER_FULL} (padded to a size) when rejected. */
    private static final class ServerFull extends GreetingProtocol {
        private final Rejections rejections;
        private final int answerBytes;
        private boolean wasRejected;

        ServerFull(ConnectionTracker tracker, Rejections rejections, int answerBytes) {
            super(tracker);
            this.rejections = rejections;
            this.answerBytes = answerBytes;
            rejections.created.incrementAndGet();
        }

        @Override
        public void onRejected(Connection connection) {
            wasRejected = true;
            rejections.rejected.incrementAndGet();
            byte[] line = (SERVER_FULL + "\n").getBytes(StandardCharsets.US_ASCII);
            byte[] answer = new byte[Math.max(line.length, answerBytes)];
            System.arraycopy(line, 0, answer, 0, line.length);
            connection.write(answer);
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            if (wasRejected) {
                rejections.readWhileRejected.incrementAndGet();
            }
            super.onData(connection, data);
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            if (wasRejected) {
                rejections.closed.incrementAndGet();
            } else {
                super.onClose(connection, cause);
            }
        }
    }
}
