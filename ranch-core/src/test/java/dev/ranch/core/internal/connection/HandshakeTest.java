package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HandshakeTest {

    @TestRanch
    private Ranch ranch;

    @Test
    void handshakeTimeoutClosesTheConnectionCountsAFailureAndFreesItsSlot() throws Exception {
        Duration handshakeTimeout = Duration.ofMillis(200);
        AtomicBoolean firstConnection = new AtomicBoolean(true);
        CompletableFuture<Throwable> stuckCloseCause = new CompletableFuture<>();
        Listener listener = ranch.startListener("hs-timeout", Transports.tcp(),
                Loopback.options().maxConnections(1).handshakeTimeout(handshakeTimeout).build(),
                c -> firstConnection.compareAndSet(true, false)
                        ? new NeverHandshakes(stuckCloseCause)
                        : new EchoProtocol());

        try (TestClient stuck = TestClient.connect(listener.port())) {
            await().atMost(PATIENCE).until(() -> listener.info().totalAccepted() == 1);
            // The only slot is taken, so this client waits in the backlog until the stuck one is gone.
            try (TestClient next = TestClient.connect(listener.port())) {
                assertTrue(stuck.isClosedByPeer(), "the server should close a connection that never handshakes");
                Throwable cause = waitFor(stuckCloseCause);
                assertInstanceOf(TimeoutException.class, cause);
                await().atMost(PATIENCE).until(() -> listener.info().handshakeFailures() == 1);

                byte[] payload = Bytes.random(512, 7);
                next.write(payload);
                assertArrayEquals(payload, next.readExactly(payload.length));
                assertEquals(2, listener.info().totalAccepted());
                assertEquals(1, listener.info().activeConnections());
                assertEquals(1, listener.info().handshakeFailures());
            }
        }
    }

    @Test
    void aConnectionThatHasNotHandshakenStaysOpenUntilTheHandshakeTimeoutExpires() throws Exception {
        // Guards the timeout test above from passing by accident: the close is due to the timer,
        // not sooner. Timed on the server, from init to onClose, so a slow test thread cannot
        // make it fail (a hold measured by the test thread could start late on a loaded machine).
        Duration handshakeTimeout = Duration.ofMillis(800);
        CompletableFuture<Throwable> closeCause = new CompletableFuture<>();
        long[] initAndClose = new long[2];
        Listener listener = ranch.startListener("hs-patience", Transports.tcp(),
                Loopback.options().handshakeTimeout(handshakeTimeout).build(),
                c -> new NeverHandshakes(closeCause) {
                    @Override
                    public void init(Connection connection) {
                        initAndClose[0] = System.nanoTime();
                    }

                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        initAndClose[1] = System.nanoTime();
                        super.onClose(connection, cause);
                    }
                });
        try (TestClient client = TestClient.connect(listener.port())) {
            assertInstanceOf(TimeoutException.class, waitFor(closeCause));
            // The future's completion publishes both stamps, written on the loop thread.
            long openFor = initAndClose[1] - initAndClose[0];
            // The timer is armed as the loop takes the connection over, just before init runs
            // (creating the protocol may load classes): a little slack, far from a close "sooner".
            long slack = Duration.ofMillis(50).toNanos();
            assertTrue(openFor >= handshakeTimeout.toNanos() - slack, "closed after only " + openFor + " ns");
            assertTrue(client.isClosedByPeer());
            assertEquals(1, listener.info().handshakeFailures());
        }
    }

    @Test
    void writingOrPausingBeforeTheHandshakeFailsWithAMessageAboutTheHandshake() throws Exception {
        AtomicReference<IllegalStateException> writeError = new AtomicReference<>();
        AtomicReference<IllegalStateException> pauseError = new AtomicReference<>();
        Listener listener = ranch.startListener("eager", Transports.tcp(), Loopback.options().build(),
                c -> new EchoProtocol() {
                    @Override
                    public void init(Connection connection) {
                        try {
                            connection.write(new byte[] {'e', 'a', 'r', 'l', 'y'});
                        } catch (IllegalStateException e) {
                            writeError.set(e);
                        }
                        try {
                            connection.pauseReads();
                        } catch (IllegalStateException e) {
                            pauseError.set(e);
                        }
                        connection.handshake();
                    }
                });

        try (TestClient client = TestClient.connect(listener.port())) {
            // The echo proves the connection survived, and that the rejected write put nothing on the wire.
            byte[] payload = Bytes.random(256, 3);
            client.write(payload);
            assertArrayEquals(payload, client.readExactly(payload.length));
        }
        assertNotNull(writeError.get(), "write() before handshake() must throw");
        assertNotNull(pauseError.get(), "pauseReads() before handshake() must throw");
        assertTrue(writeError.get().getMessage().contains("handshake"), writeError.get().getMessage());
        assertTrue(pauseError.get().getMessage().contains("handshake"), pauseError.get().getMessage());
    }

    @Test
    void callingHandshakeASecondTimeThrowsWhileHandshakingAndOnceOpen() throws Exception {
        CompletableFuture<Throwable> secondInInit = new CompletableFuture<>();
        CompletableFuture<Throwable> secondInOnHandshake = new CompletableFuture<>();
        Listener listener = ranch.startListener("twice", Transports.tcp(), Loopback.options().build(),
                c -> new EchoProtocol() {
                    @Override
                    public void init(Connection connection) {
                        connection.handshake();
                        secondInInit.complete(thrownBy(connection::handshake));
                    }

                    @Override
                    public void onHandshake(Connection connection) {
                        secondInOnHandshake.complete(thrownBy(connection::handshake));
                    }
                });

        try (TestClient client = TestClient.connect(listener.port())) {
            byte[] payload = Bytes.random(64, 5);
            client.write(payload);
            assertArrayEquals(payload, client.readExactly(payload.length));
        }
        assertInstanceOf(IllegalStateException.class, waitFor(secondInInit));
        assertInstanceOf(IllegalStateException.class, waitFor(secondInOnHandshake));
    }

    @Test
    void writingFromAThreadOtherThanTheOwnerThrowsAndPointsToSend() throws Exception {
        CompletableFuture<Connection> opened = new CompletableFuture<>();
        Listener listener = ranch.startListener("foreign", Transports.tcp(), Loopback.options().build(),
                c -> new EchoProtocol() {
                    @Override
                    public void onHandshake(Connection connection) {
                        opened.complete(connection);
                    }
                });

        try (TestClient client = TestClient.connect(listener.port())) {
            Connection connection = waitFor(opened);
            IllegalStateException bytes = assertThrows(IllegalStateException.class,
                    () -> connection.write(new byte[] {'x'}));
            IllegalStateException buffer = assertThrows(IllegalStateException.class,
                    () -> connection.write(ByteBuffer.wrap(new byte[] {'y'})));
            assertTrue(bytes.getMessage().contains("send()"), bytes.getMessage());
            assertTrue(buffer.getMessage().contains("send()"), buffer.getMessage());

            // Only the echo comes back: the rejected writes left no bytes behind.
            byte[] payload = Bytes.random(128, 11);
            client.write(payload);
            assertArrayEquals(payload, client.readExactly(payload.length));
            assertTrue(connection.isOpen());
        }
    }

    @Test
    void aProtocolCanDelayItsHandshakeUntilAMessageArrives() throws Exception {
        CompletableFuture<Connection> initialised = new CompletableFuture<>();
        AtomicInteger dataCalls = new AtomicInteger();
        AtomicBoolean handshaken = new AtomicBoolean();
        Listener listener = ranch.startListener("delayed", Transports.tcp(), Loopback.options().build(),
                c -> new EchoProtocol() {
                    @Override
                    public void init(Connection connection) {
                        initialised.complete(connection);
                    }

                    @Override
                    public void onMessage(Connection connection, Object message) {
                        if ("go".equals(message)) {
                            connection.handshake();
                        }
                    }

                    @Override
                    public void onHandshake(Connection connection) {
                        handshaken.set(true);
                    }

                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        dataCalls.incrementAndGet();
                        super.onData(connection, data);
                    }
                });

        try (TestClient client = TestClient.connect(listener.port())) {
            Connection connection = waitFor(initialised);
            byte[] payload = Bytes.random(300, 13);
            client.write(payload);
            // Until the handshake, reads are off: the bytes wait in the kernel.
            assertStays("no data and no handshake", () -> dataCalls.get() == 0 && !handshaken.get());

            assertTrue(connection.send("go"));
            assertArrayEquals(payload, client.readExactly(payload.length));
            assertTrue(handshaken.get());
        }
    }

    private static Throwable thrownBy(Runnable action) {
        try {
            action.run();
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** Never calls handshake(), so only the handshake timeout can end it. */
    private static class NeverHandshakes implements Protocol {
        private final CompletableFuture<Throwable> closeCause;

        NeverHandshakes(CompletableFuture<Throwable> closeCause) {
            this.closeCause = closeCause;
        }

        @Override
        public void init(Connection connection) {
            // Deliberately no handshake.
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            throw new AssertionError("no data may arrive before the handshake");
        }

        @Override
        public void onClose(Connection connection, Throwable cause) {
            closeCause.complete(cause);
        }
    }
}
