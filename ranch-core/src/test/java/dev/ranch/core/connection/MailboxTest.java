package dev.ranch.core.connection;

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

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MailboxTest {

    @TestRanch
    private Ranch ranch;

    @Test
    void messagesFromOneSenderArriveInTheOrderSent() throws Exception {
        Mailbox mailbox = new Mailbox();
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
        Mailbox mailbox = new Mailbox();
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
        Mailbox mailbox = new Mailbox();
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
        Mailbox mailbox = new Mailbox();
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

    /** The mailbox traffic left the socket side of the connection working. */
    private static void assertStillEchoes(TestClient client) {
        client.write("still here\n");
        assertEquals("still here", client.readLine());
    }

    private record Tagged(int sender, int seq) {}

    /** Records every message and the thread it arrived on. */
    private static final class Mailbox extends EchoProtocol {
        final CompletableFuture<Connection> opened = new CompletableFuture<>();
        final CompletableFuture<Throwable> closed = new CompletableFuture<>();
        final List<Object> received = Collections.synchronizedList(new ArrayList<>());
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        volatile String handshakeThread;

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
        public void onClose(Connection connection, Throwable cause) {
            closed.complete(cause);
        }
    }
}
