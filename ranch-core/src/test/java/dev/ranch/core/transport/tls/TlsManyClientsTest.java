package dev.ranch.core.transport.tls;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A thousand TLS clients connect at once and stay connected together; every one completes its
 * handshake and is echoed, within a bound, and every slot is free once they leave. Client and
 * server share this JVM's cores, so the bound is generous: it catches handshakes that stall
 * (a lost wake-up, a delegated task that never comes back), not slowness.
 */
class TlsManyClientsTest {

    private static final int CLIENTS = 1000;
    private static final int CONNECTING_THREADS = 32;
    private static final Duration BOUND = Duration.ofSeconds(90);

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    @Test
    void aThousandConcurrentTlsClientsAreAllServed() throws Exception {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener listener = ranch.startListener("tls-many",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()),
                Loopback.options().maxConnections(CLIENTS).build(), connection -> new TlsRecordingEcho(seen));

        // One client context for all, as one client process would have: handshakes after the
        // first few may resume a session, which keeps the crypto (both sides run in this JVM)
        // from dwarfing what is tested here, a thousand TLS connections open at once.
        SSLContext clientContext = certificates.clientContext();
        List<TlsTestClient> connected = new ArrayList<>();
        ExecutorService threads = Executors.newFixedThreadPool(CONNECTING_THREADS);
        long start = System.nanoTime();
        try {
            List<Future<TlsTestClient>> pending = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                pending.add(threads.submit(() -> TlsTestClient.to(listener.port(), clientContext).connect()));
            }
            for (Future<TlsTestClient> client : pending) {
                connected.add(client.get(BOUND.toMillis(), TimeUnit.MILLISECONDS));
            }
            await().atMost(PATIENCE).until(() -> seen.handshakes().size() == CLIENTS);
            assertEquals(CLIENTS, listener.info().activeConnections(), "all of them at once");

            List<Future<String>> echoes = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                TlsTestClient client = connected.get(i);
                String line = "client " + i + "\n";
                echoes.add(threads.submit(() -> client.echo(line)));
            }
            for (int i = 0; i < CLIENTS; i++) {
                assertEquals("client " + i + "\n", echoes.get(i).get(BOUND.toMillis(), TimeUnit.MILLISECONDS));
            }
        } finally {
            connected.forEach(TlsTestClient::close);
            threads.shutdownNow();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("%d TLS clients connected and echoed in %d ms%n", CLIENTS, took.toMillis());
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0 && seen.closed() == CLIENTS);
        assertEquals(0, listener.info().handshakeFailures());
    }
}
