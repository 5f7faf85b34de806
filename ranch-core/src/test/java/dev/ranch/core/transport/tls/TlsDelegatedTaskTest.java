package dev.ranch.core.transport.tls;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.EchoProtocol.assertEchoes;
import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The slow parts of a handshake (key exchange, signatures) run on the task executor, not on
 * the loop: while they are held back, the loop serves its other connections, and a connection
 * closed meanwhile (its handshake timed out) is not disturbed when its task finally returns.
 */
class TlsDelegatedTaskTest {

    /** One loop, so the TLS connections and the bystander certainly share it. */
    @TestRanch(eventLoops = 1)
    Ranch ranch;

    @RegisterExtension
    final OpenClients clients = new OpenClients();

    private final TestCertificates certificates = TestCertificates.get();
    private final Gate gate = new Gate();
    private final ExecutorService connecting = Executors.newCachedThreadPool();

    /** Runs tasks on its own threads, but only once it is opened. */
    private static final class Gate implements Executor {
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final CountDownLatch open = new CountDownLatch(1);
        private final AtomicInteger submitted = new AtomicInteger();

        @Override
        public void execute(Runnable task) {
            submitted.incrementAndGet();
            threads.execute(() -> {
                try {
                    open.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                task.run();
            });
        }

        void open() {
            open.countDown();
        }
    }

    @AfterEach
    void stopThreads() {
        gate.open();
        gate.threads.shutdownNow();
        connecting.shutdownNow();
    }

    private Listener tls(TlsRecordingEcho.Seen seen, Duration handshakeTimeout) {
        return ranch.startListener("tls-gated",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).taskExecutor(gate).build()),
                Loopback.options().handshakeTimeout(handshakeTimeout).build(), connection -> new TlsRecordingEcho(seen));
    }

    @Test
    void handshakesWaitingForTheirTasksDoNotStallTheLoopsOtherConnections() throws Exception {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener secure = tls(seen, Duration.ofSeconds(30));
        Listener plain = ranch.startListener("plain", Transports.tcp(), Loopback.options().build(),
                connection -> new EchoProtocol());

        List<CompletableFuture<String>> handshaking = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String line = "tls " + i;
            handshaking.add(CompletableFuture.supplyAsync(() -> {
                try (TlsTestClient client = TlsTestClient.to(secure.port(), certificates.clientContext()).connect()) {
                    return client.echo(line);
                }
            }, connecting));
        }
        await().atMost(PATIENCE).until(() -> gate.submitted.get() >= 5);

        TestClient bystander = clients.connect(plain.port());
        for (int round = 0; round < 20; round++) {
            assertEchoes(bystander, "round " + round);
        }
        assertEquals(0, seen.handshakes().size(), "the handshakes were still waiting for their tasks");

        gate.open();
        for (int i = 0; i < 5; i++) {
            assertEquals("tls " + i, waitFor(handshaking.get(i)));
        }
        assertEquals(5, seen.handshakes().size());
    }

    @Test
    void aConnectionThatTimedOutWhileItsTaskWasAwayIsLeftClosedWhenItReturns() throws Exception {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener secure = tls(seen, Duration.ofMillis(300));
        CompletableFuture<Void> doomed = CompletableFuture.runAsync(() -> {
            try (TlsTestClient client = TlsTestClient.to(secure.port(), certificates.clientContext()).connect()) {
                client.echo("never");
            }
        }, connecting);
        await().atMost(PATIENCE).until(() -> gate.submitted.get() >= 1);
        await().atMost(PATIENCE).until(() -> seen.closed() == 1 && secure.info().activeConnections() == 0);

        gate.open();
        assertTrue(waitForFailure(doomed), "the client's handshake failed");
        // The returning task finds its connection gone: no second close, no crash, no handshake.
        assertStays("closed once, never served", () -> seen.closed() == 1 && seen.handshakes().isEmpty());
        assertEquals(0, secure.info().crashes());
        try (TlsTestClient next = TlsTestClient.to(secure.port(), certificates.clientContext()).connect()) {
            assertEquals("next", next.echo("next"));
        }
    }

    private static boolean waitForFailure(CompletableFuture<?> future) throws Exception {
        try {
            waitFor(future);
            return false;
        } catch (ExecutionException expected) {
            return true;
        }
    }
}
