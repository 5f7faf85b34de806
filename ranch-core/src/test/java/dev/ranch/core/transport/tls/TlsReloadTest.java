package dev.ranch.core.transport.tls;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestCertificates.Identity;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code Listener.updateTls} swaps the certificate under load: clients that were echoing keep
 * echoing on their old sessions without a single failure, clients that connect afterwards,
 * even while the swap is under way, get a working handshake, and from the swap on they see
 * the new certificate.
 */
class TlsReloadTest {

    private static final int ECHOING_CLIENTS = 8;

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    @Test
    void newConnectionsGetTheNewCertificateWhileOpenOnesKeepEchoing() throws Exception {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener listener = ranch.startListener("tls-reload",
                Transports.tls(TlsOptions.builder(certificates.serverContext(Identity.SERVER)).build()),
                Loopback.options().build(), connection -> new TlsRecordingEcho(seen));

        AtomicBoolean stop = new AtomicBoolean();
        AtomicIntegerArray rounds = new AtomicIntegerArray(ECHOING_CLIENTS);
        ExecutorService threads = Executors.newFixedThreadPool(ECHOING_CLIENTS + 1);
        try {
            List<Future<?>> clients = new ArrayList<>();
            for (int i = 0; i < ECHOING_CLIENTS; i++) {
                int id = i;
                clients.add(threads.submit(() -> {
                    try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext())
                            .connect()) {
                        while (!stop.get()) {
                            String line = "client " + id + " round " + rounds.get(id) + "\n";
                            assertEquals(line, client.echo(line));
                            rounds.incrementAndGet(id);
                        }
                        // The session it started with, whatever happened meanwhile.
                        assertEquals(certificates.certificate(Identity.SERVER), client.peerCertificate());
                    }
                    return null;
                }));
            }
            // Handshakes racing the swap: each must work, with one certificate or the other.
            clients.add(threads.submit(() -> {
                while (!stop.get()) {
                    try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext())
                            .connect()) {
                        assertEquals("racing\n", client.echo("racing\n"));
                    }
                }
                return null;
            }));
            await().atMost(PATIENCE).until(() -> everyClientPassed(rounds, new int[ECHOING_CLIENTS], 20, clients));

            listener.updateTls(certificates.serverContext(Identity.RENEWED_SERVER));
            try (TlsTestClient fresh = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
                assertEquals(certificates.certificate(Identity.RENEWED_SERVER), fresh.peerCertificate());
                assertEquals("renewed\n", fresh.echo("renewed\n"));
            }
            int[] atSwap = snapshot(rounds);
            await().atMost(PATIENCE).until(() -> everyClientPassed(rounds, atSwap, 20, clients));

            stop.set(true);
            for (Future<?> client : clients) {
                waitFor(client);
            }
        } finally {
            stop.set(true);
            threads.shutdownNow();
        }
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
        assertEquals(0, listener.info().handshakeFailures(), "no connection failed its handshake");
        assertEquals(0, listener.info().crashes());
    }

    @Test
    void updatingAPlainListenerIsRefused() {
        Listener plain = ranch.startListener("plain", Transports.tcp(), Loopback.options().build(),
                connection -> new TlsRecordingEcho(new TlsRecordingEcho.Seen()));
        assertThrows(IllegalStateException.class, () -> plain.updateTls(certificates.serverContext()));
    }

    private static int[] snapshot(AtomicIntegerArray rounds) {
        int[] copy = new int[rounds.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = rounds.get(i);
        }
        return copy;
    }

    /** Whether every clients client did {@code n} rounds since {@code from}; rethrows a client's failure at once. */
    private static boolean everyClientPassed(AtomicIntegerArray rounds, int[] from, int n, List<Future<?>> clients)
            throws Exception {
        for (Future<?> client : clients) {
            if (client.isDone()) {
                client.get();
            }
        }
        for (int i = 0; i < rounds.length(); i++) {
            if (rounds.get(i) < from[i] + n) {
                return false;
            }
        }
        return true;
    }
}
