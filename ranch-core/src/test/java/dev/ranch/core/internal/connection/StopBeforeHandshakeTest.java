package dev.ranch.core.internal.connection;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.proxy.ProxyHeader;
import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsOptions;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections that have not finished their handshake do not hold up a listener's stop, and a
 * handshake whose TLS work is still running elsewhere ends cleanly at its timeout: their slots
 * are freed, and the work finishing later touches nothing.
 */
class StopBeforeHandshakeTest {

    /** Far beyond {@code PATIENCE}: a stop that waits for either has failed the test. */
    private static final Duration LONG = Duration.ofSeconds(60);

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    /** Runs each delegated task only once {@link #release} is counted down. */
    private static final class HeldTasks implements Executor {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger held = new AtomicInteger();

        @Override
        public void execute(Runnable task) {
            held.incrementAndGet();
            Thread thread = new Thread(() -> {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                task.run();
            }, "held-tls-task");
            thread.setDaemon(true);
            thread.start();
        }
    }

    @Test
    void aStopDoesNotWaitForAClientStillSendingItsProxyHeader() throws Exception {
        Listener listener = ranch.startListener("proxied", Transports.tcp(),
                Loopback.options().proxyProtocol(ProxyMode.REQUIRED).proxyHeaderTimeout(LONG)
                        .shutdownTimeout(LONG).build(),
                c -> new EchoProtocol());
        byte[] header = ProxyHeader.v1().addresses(new InetSocketAddress("203.0.113.7", 5000),
                new InetSocketAddress("198.51.100.2", 80)).encode().array();
        try (TestClient slow = TestClient.connect(listener.port())) {
            slow.write(Arrays.copyOf(header, 10));
            await().atMost(PATIENCE).until(() -> listener.connections().size() == 1);
            waitFor(CompletableFuture.runAsync(listener::stop));
            assertTrue(slow.isClosedByPeer(), "the half-proxied connection is still open");
        }
        assertTrue(listener.connections().isEmpty());
    }

    @Test
    void aStopDoesNotWaitForATlsHandshakeWhoseTaskIsRunningElsewhere() throws Exception {
        HeldTasks tasks = new HeldTasks();
        Listener listener = ranch.startListener("tls",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).taskExecutor(tasks).build()),
                Loopback.options().handshakeTimeout(LONG).shutdownTimeout(LONG).build(),
                c -> new EchoProtocol());
        CompletableFuture<TlsTestClient> client = CompletableFuture.supplyAsync(
                () -> TlsTestClient.to(listener.port(), certificates.clientContext()).connect());
        try {
            await().atMost(PATIENCE).until(() -> tasks.held.get() > 0);
            waitFor(CompletableFuture.runAsync(listener::stop));
            assertTrue(listener.connections().isEmpty());
        } finally {
            tasks.release.countDown();
            client.handle((c, e) -> {
                if (c != null) {
                    c.close();
                }
                return null;
            });
        }
    }

    @Test
    void aProtocolThatWritesItsGoodbyeIsNotAskedForOneBeforeItsHandshake() throws Exception {
        HeldTasks tasks = new HeldTasks();
        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        Listener listener = ranch.startListener("tls",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).taskExecutor(tasks).build()),
                Loopback.options().handshakeTimeout(LONG).shutdownTimeout(LONG).build(),
                c -> new EchoProtocol() {
                    @Override
                    public void onShutdown(Connection connection) {
                        connection.write("bye\n".getBytes());
                        connection.close();
                    }

                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        closed.complete(cause);
                    }
                });
        CompletableFuture<TlsTestClient> client = CompletableFuture.supplyAsync(
                () -> TlsTestClient.to(listener.port(), certificates.clientContext()).connect());
        try {
            await().atMost(PATIENCE).until(() -> tasks.held.get() > 0);
            waitFor(CompletableFuture.runAsync(listener::stop));
            assertNull(waitFor(closed), "the connection was not closed gracefully");
            assertEquals(0, listener.info().crashes(), "a protocol callback threw");
        } finally {
            tasks.release.countDown();
            client.handle((c, e) -> {
                if (c != null) {
                    c.close();
                }
                return null;
            });
        }
    }

    @Test
    void aHandshakeTimeoutWhileATaskRunsElsewhereClosesAndFreesTheSlot() throws Exception {
        HeldTasks tasks = new HeldTasks();
        CompletableFuture<Throwable> closed = new CompletableFuture<>();
        Listener listener = ranch.startListener("tls",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).taskExecutor(tasks).build()),
                Loopback.options().handshakeTimeout(Duration.ofMillis(300)).build(),
                c -> new EchoProtocol() {
                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        closed.complete(cause);
                    }
                });
        CompletableFuture<TlsTestClient> client = CompletableFuture.supplyAsync(
                () -> TlsTestClient.to(listener.port(), certificates.clientContext()).connect());
        await().atMost(PATIENCE).until(() -> tasks.held.get() > 0);
        assertInstanceOf(TimeoutException.class, waitFor(closed));
        await().atMost(PATIENCE).until(() -> listener.connections().isEmpty());
        tasks.release.countDown();
        // The task finishing after the close must not revive the connection or crash the loop.
        boolean clientFailed = waitFor(client.handle((c, e) -> {
            if (c != null) {
                c.close();
            }
            return e != null;
        }));
        assertTrue(clientFailed, "the handshake completed after its timeout");
        assertTrue(listener.connections().isEmpty());
        assertEquals(0, listener.info().crashes());
    }
}
