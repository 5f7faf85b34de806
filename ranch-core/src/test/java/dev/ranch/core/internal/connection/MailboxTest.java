package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The connection's mailbox as a protocol sees it: order, thread, and what happens at the close. */
class MailboxTest {

    @TestRanch
    private Ranch ranch;

    @Test
    void messagesFromOneSenderArriveInTheOrderSent() throws Exception {
        Recorder mailbox = new Recorder();
        Listener listener = ranch.startListener("mail-one", Transports.tcp(), Loopback.options().build(), c -> mailbox);
        int count = 10_000;
        try (TestClient client = TestClient.connect(listener.port())) {
            Connection connection = waitFor(mailbox.opened);
            ExecutorService sender = Executors.newSingleThreadExecutor();
            try {
                Future<Integer> accepted = sender.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < count; i++) {
                        ok += connection.send(i) ? 1 : 0;
                    }
                    return ok;
                });
                assertEquals(count, waitFor(accepted));
            } finally {
                sender.shutdownNow();
            }
            await().atMost(PATIENCE).until(() -> mailbox.received.size() == count);
            List<Object> expected = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                expected.add(i);
            }
            assertEquals(expected, List.copyOf(mailbox.received));
            assertStillEchoes(client);
        }
    }

    @Test
    void concurrentSendersEachKeepTheirOwnOrder() throws Exception {
        Recorder mailbox = new Recorder();
        Listener listener = ranch.startListener("mail-many", Transports.tcp(), Loopback.options().build(), c -> mailbox);
        int senders = 4;
        int perSender = 5_000;
        try (TestClient client = TestClient.connect(listener.port())) {
            Connection connection = waitFor(mailbox.opened);
            ExecutorService pool = Executors.newFixedThreadPool(senders);
            try {
                // Released together so the senders really interleave in the mailbox.
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int s = 0; s < senders; s++) {
                    int sender = s;
                    done.add(pool.submit(() -> {
                        go.await();
                        for (int seq = 0; seq < perSender; seq++) {
                            assertTrue(connection.send(new Tagged(sender, seq)));
                        }
                        return null;
                    }));
                }
                go.countDown();
                for (Future<?> f : done) {
                    waitFor(f);
                }
            } finally {
                pool.shutdownNow();
            }
            await().atMost(PATIENCE).until(() -> mailbox.received.size() == senders * perSender);
            int[] next = new int[senders];
            for (Object message : List.copyOf(mailbox.received)) {
                Tagged tagged = (Tagged) message;
                assertEquals(next[tagged.sender], tagged.seq, "sender " + tagged.sender + " out of order");
                next[tagged.sender]++;
            }
            for (int s = 0; s < senders; s++) {
                assertEquals(perSender, next[s]);
            }
            assertStillEchoes(client);
        }
    }

    @Test
    void sendReturnsFalseAndDeliversNothingOnceTheConnectionIsClosed() throws Exception {
        Recorder mailbox = new Recorder();
        Listener listener = ranch.startListener("mail-closed", Transports.tcp(), Loopback.options().build(), c -> mailbox);
        TestClient client = TestClient.connect(listener.port());
        Connection connection;
        try {
            connection = waitFor(mailbox.opened);
            assertTrue(connection.send("while open"));
            await().atMost(PATIENCE).until(() -> mailbox.received.size() == 1);
        } finally {
            // The client's close reaches the server as end of stream, and the server closes too.
            client.close();
        }
        waitFor(mailbox.closed);
        assertFalse(connection.isOpen());
        assertFalse(connection.send("after close"));
        assertStays("nothing more is delivered", Duration.ofMillis(200), () -> mailbox.received.size() == 1);
    }

    @Test
    void messagesAreDeliveredOnTheConnectionsOwnerLoopThread() throws Exception {
        Recorder mailbox = new Recorder();
        Listener listener = ranch.startListener("mail-thread", Transports.tcp(), Loopback.options().build(), c -> mailbox);
        int count = 100;
        try (TestClient client = TestClient.connect(listener.port())) {
            Connection connection = waitFor(mailbox.opened);
            String owner = mailbox.handshakeThread;
            for (int i = 0; i < count; i++) {
                connection.send(i);
            }
            await().atMost(PATIENCE).until(() -> mailbox.received.size() == count);
            String sender = Thread.currentThread().getName();
            assertTrue(owner.startsWith("ranch-loop-"), owner);
            assertNotEquals(owner, sender);
            assertEquals(count, mailbox.threads.size());
            for (String thread : List.copyOf(mailbox.threads)) {
                assertEquals(owner, thread);
            }
            assertStillEchoes(client);
        }
    }

    @Test
    void everyAcceptedMessageIsDeliveredOrReportedUndeliveredBeforeOnClose() throws Exception {
        // The first message holds the loop until a thousand more are queued, then aborts: the
        // first is delivered, the queued ones are handed back, later sends are refused.
        int queued = 1000;
        CountDownLatch backlog = new CountDownLatch(1 + queued);
        Recorder mailbox = new Recorder() {
            @Override
            public void onMessage(Connection connection, Object message) {
                super.onMessage(connection, message);
                try {
                    assertTrue(backlog.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                connection.abort();
            }
        };
        Listener listener = ranch.startListener("mail-undelivered", Transports.tcp(), Loopback.options().build(),
                c -> mailbox);
        try (TestClient client = TestClient.connect(listener.port())) {
            Connection connection = waitFor(mailbox.opened);
            List<Integer> accepted = new ArrayList<>();
            int refused = 0;
            for (int i = 0; refused < 100; i++) {
                if (connection.send(i)) {
                    accepted.add(i);
                    backlog.countDown();
                } else {
                    refused++;
                }
            }
            waitFor(mailbox.closed);
            assertEquals(List.of(0), List.copyOf(mailbox.received));
            assertEquals(accepted.subList(1, accepted.size()), List.copyOf(mailbox.undelivered),
                    "every other accepted message handed back once, in send order");
            assertTrue(mailbox.undelivered.size() >= queued, mailbox.undelivered.size() + " handed back");
            assertFalse(mailbox.undeliveredAfterClose, "onUndelivered came before onClose");
            assertFalse(connection.send("after close"));
            assertTrue(client.isClosedByPeer(), "the abort reached the client");
        }
    }

    /** The mailbox traffic left the socket side of the connection working. */
    private static void assertStillEchoes(TestClient client) {
        client.write("still here\n");
        assertEquals("still here", client.readLine());
    }

    private record Tagged(int sender, int seq) {}

    /** Records every message and the thread it arrived on. */
    private static class Recorder extends EchoProtocol {
        final CompletableFuture<Connection> opened = new CompletableFuture<>();
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();
        final List<Object> received = Collections.synchronizedList(new ArrayList<>());
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        final List<Object> undelivered = Collections.synchronizedList(new ArrayList<>());
        volatile String handshakeThread;
        volatile boolean undeliveredAfterClose;

        @Override
        public void onHandshake(Connection connection) {
            handshakeThread = Thread.currentThread().getName();
            opened.complete(connection);
        }

        @Override
        public void onMessage(Connection connection, Object message) {
            threads.add(Thread.currentThread().getName());
            received.add(message);
        }

        @Override
        public void onUndelivered(Connection connection, Object message) {
            undeliveredAfterClose |= closed.isDone();
            undelivered.add(message);
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            closed.complete(cause);
        }
    }
}
