package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.waitFor;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Application bytes cross the TLS transport unchanged, both ways, in both TLS versions, in
 * amounts far beyond one TLS record and one socket buffer, from files too, and a close ends
 * the stream only after what was written. The client is the JDK's {@code SSLSocket} (which
 * takes a bare TCP close for close_notify: {@code TlsOpenSslTest} checks the alert itself).
 */
class TlsEchoTest {

    @TestRanch
    Ranch ranch;

    @TempDir
    Path dir;

    private final TestCertificates certificates = TestCertificates.get();

    private Listener echo(TlsOptions options, TlsRecordingEcho.Seen seen) {
        return ranch.startListener("tls-echo", Transports.tls(options), Loopback.options().build(),
                connection -> new TlsRecordingEcho(seen));
    }

    @Test
    void echoesOverTls13AndTls12AndTheServerSeesTheVersionTheClientDid() {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener listener = echo(TlsOptions.builder(certificates.serverContext()).build(), seen);
        for (String version : new String[] {"TLSv1.3", "TLSv1.2"}) {
            try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext())
                    .protocols(version).connect()) {
                assertEquals(version, client.session().getProtocol());
                assertEquals("hello over " + version, client.echo("hello over " + version));
            }
        }
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 2);
        assertEquals("TLSv1.3", seen.handshakes().get(0).session().getProtocol());
        assertEquals("TLSv1.2", seen.handshakes().get(1).session().getProtocol());
    }

    @Test
    void alpnPicksTheServersProtocolAmongTheClientsAndBothSidesSeeIt() {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener listener = echo(TlsOptions.builder(certificates.serverContext())
                .applicationProtocols("echo/2", "echo/1").build(), seen);
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext())
                .applicationProtocols("smtp", "echo/1").connect()) {
            assertEquals("echo/1", client.applicationProtocol());
            assertEquals("ping", client.echo("ping"));
        }
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            assertEquals("no alpn", client.echo("no alpn"));
        }
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 2);
        assertEquals("echo/1", seen.handshakes().get(0).applicationProtocol());
        assertNull(seen.handshakes().get(1).applicationProtocol(), "a client without ALPN negotiates none");
    }

    @Test
    void megabytesBothWaysAtOnceComeBackByteExact() throws Exception {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener listener = echo(TlsOptions.builder(certificates.serverContext()).build(), seen);
        // Far beyond a TLS record (16 KiB), the loop's read buffer and the socket buffers: the
        // echo has to stop reading while its writes queue, or the two directions deadlock.
        byte[] payload = Bytes.random(8 * 1024 * 1024 + 3, 7);
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                for (int offset = 0; offset < payload.length; offset += 100_000) {
                    byte[] piece = Arrays.copyOfRange(payload, offset,
                            Math.min(payload.length, offset + 100_000));
                    client.write(piece);
                }
            });
            assertArrayEquals(payload, client.readExactly(payload.length));
            waitFor(writer);
        }
    }

    @Test
    void sendFileOverTlsSendsTheFileByteExactBetweenTheWritesAroundIt() throws IOException {
        byte[] content = Bytes.random(5 * 1024 * 1024 + 11, 5);
        Path file = Files.write(dir.resolve("content.bin"), content);
        Listener listener = ranch.startListener("tls-files",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()), Loopback.options().build(),
                c -> new Protocol() {
                    @Override
                    public void onHandshake(Connection connection) {
                        try {
                            connection.write("head|".getBytes());
                            connection.sendFile(FileChannel.open(file, StandardOpenOption.READ), 0, content.length);
                            connection.write("|tail".getBytes());
                            connection.close();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    }

                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        data.position(data.limit());
                    }
                });
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes("head|".getBytes());
        expected.writeBytes(content);
        expected.writeBytes("|tail".getBytes());
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            assertArrayEquals(expected.toByteArray(), client.readToEnd());
        }
    }

    @Test
    void aCloseRightAfterWritesDeliversThemBeforeTheStreamEnds()
            throws InterruptedException, ExecutionException, TimeoutException {
        Listener listener = ranch.startListener("tls-bye",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()), Loopback.options().build(),
                c -> new EchoProtocol() {
                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        connection.write(data);
                        connection.write("bye".getBytes());
                        connection.close();
                    }
                });
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            client.write("last words ");
            assertEquals("last words bye", new String(waitFor(CompletableFuture.supplyAsync(client::readToEnd))));
        }
    }

    @Test
    void aWriterThatHonoursWritabilityDeliversEverythingToASlowReader() throws Exception {
        byte[] content = Bytes.random(16 * 1024 * 1024, 9);
        List<Boolean> writability = new CopyOnWriteArrayList<>();
        Listener listener = ranch.startListener("tls-backpressure",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()), Loopback.options().build(),
                c -> new Protocol() {
                    private int sent;

                    @Override
                    public void onHandshake(Connection connection) {
                        pump(connection);
                    }

                    @Override
                    public void onWritabilityChanged(Connection connection, boolean writable) {
                        writability.add(writable);
                        if (writable) {
                            pump(connection);
                        }
                    }

                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        data.position(data.limit());
                    }

                    /** Writes 64 KiB pieces until the connection says stop, as a well-behaved producer does. */
                    private void pump(Connection connection) {
                        while (sent < content.length && connection.isWritable()) {
                            int piece = Math.min(64 * 1024, content.length - sent);
                            connection.write(ByteBuffer.wrap(content, sent, piece));
                            sent += piece;
                        }
                        if (sent == content.length) {
                            connection.close();
                        }
                    }
                });
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            // Not reading yet: the kernel's buffers fill, TLS records wait in the connection.
            await().atMost(PATIENCE).until(() -> writability.contains(false));
            assertArrayEquals(content, waitFor(CompletableFuture.supplyAsync(client::readToEnd)));
        }
        assertTrue(writability.contains(true), "writable again once the reader caught up: " + writability);
    }

    @Test
    void aGracefulStopSaysGoodbyeOverTls() {
        Listener listener = ranch.startListener("tls-stop",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()), Loopback.options().build(),
                c -> new EchoProtocol() {
                    @Override
                    public void onShutdown(Connection connection) {
                        connection.write("goodbye".getBytes());
                        connection.close();
                    }
                });
        try (TlsTestClient first = TlsTestClient.to(listener.port(), certificates.clientContext()).connect();
             TlsTestClient second = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            assertEquals("hi", first.echo("hi"));
            assertEquals("hi", second.echo("hi"));
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> ranch.stopListener("tls-stop"));
            assertEquals("goodbye", new String(first.readToEnd()));
            assertEquals("goodbye", new String(second.readToEnd()));
            stopping.join();
        }
    }

    @Test
    void aCloseWithRecordsAReaderNeverTakesEndsAtTheCloseTimeout() {
        Listener listener = ranch.startListener("tls-stuck-close",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()),
                Loopback.options().closeTimeout(Duration.ofMillis(500)).build(), c -> new EchoProtocol() {
                    @Override
                    public void onHandshake(Connection connection) {
                        // Far more than the kernel buffers hold: most of it stays queued as records.
                        connection.write(new byte[32 * 1024 * 1024]);
                        connection.close();
                    }
                });
        TlsTestClient neverReads = TlsTestClient.to(listener.port(), certificates.clientContext()).connect();
        try {
            await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
        } finally {
            neverReads.close();
        }
    }
}
