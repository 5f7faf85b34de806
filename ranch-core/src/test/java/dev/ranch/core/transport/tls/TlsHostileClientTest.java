package dev.ranch.core.transport.tls;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Stream;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that does not speak TLS, or stops speaking it half-way, loses its own connection
 * and nothing else: the connection closes (by the handshake timeout when the client goes
 * quiet), its slot is free again, it counts as a handshake failure, and a TLS client that was
 * already being served keeps being served. Raw sockets play the hostile clients.
 */
class TlsHostileClientTest {

    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(500);

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();
    private final TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
    private Listener listener;

    @BeforeEach
    void start() {
        listener = ranch.startListener("tls-hostile",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()),
                Loopback.options().handshakeTimeout(HANDSHAKE_TIMEOUT).build(),
                connection -> new TlsRecordingEcho(seen));
    }

    static Stream<Arguments> notAClientHello() {
        return Stream.of(
                Arguments.of("plaintext HTTP", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII)),
                Arguments.of("random bytes", Bytes.random(4096, 3)),
                // A handshake record header claiming far more than the 2^14 + 2048 a record may hold.
                Arguments.of("oversized record", new byte[] {0x16, 0x03, 0x01, (byte) 0xFF, (byte) 0xFF, 0x01}),
                // A well-formed record that holds an alert instead of a ClientHello.
                Arguments.of("alert first", new byte[] {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28}),
                // SSL 2.0's hello format, which TLS 1.2 and 1.3 servers do not accept.
                Arguments.of("SSLv2 hello", new byte[] {(byte) 0x80, 0x2E, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00,
                        0x00, 0x10}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("notAClientHello")
    void bytesThatAreNotAClientHelloCloseThatConnectionOnly(String what, byte[] bytes) {
        try (TlsTestClient bystander = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            assertEquals("before", bystander.echo("before"));
            long failuresBefore = listener.info().handshakeFailures();
            try (TestClient hostile = TestClient.connect(listener.port())) {
                hostile.write(bytes);
                // Whatever comes back (perhaps an alert), the server then ends the connection.
                hostile.readToEnd();
            }
            await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 1
                    && listener.info().handshakeFailures() == failuresBefore + 1);
            assertEquals("after", bystander.echo("after"));
        }
        assertEquals(1, seen.handshakes().size(), "only the bystander was ever served");
    }

    @Test
    void aClientThatSendsNothingIsClosedAtTheHandshakeTimeout() {
        assertClosedAtTheHandshakeTimeout(new byte[0]);
    }

    @Test
    void aClientThatStopsHalfWayThroughItsClientHelloIsClosedAtTheHandshakeTimeout() {
        byte[] hello = clientHello();
        assertClosedAtTheHandshakeTimeout(Arrays.copyOf(hello, hello.length / 2));
    }

    /** A client that sends {@code firstBytes} and then nothing is closed at the timeout, not before, and alone. */
    private void assertClosedAtTheHandshakeTimeout(byte[] firstBytes) {
        try (TlsTestClient bystander = TlsTestClient.to(listener.port(), certificates.clientContext()).connect();
             TestClient stalled = TestClient.connect(listener.port())) {
            stalled.write(firstBytes);
            long start = System.nanoTime();
            assertTrue(stalled.isClosedByPeer(), "closed, not left waiting");
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(waited.compareTo(HANDSHAKE_TIMEOUT.minusMillis(100)) >= 0, "closed too early: " + waited);
            await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 1);
            assertEquals("still here", bystander.echo("still here"));
        }
    }

    @Test
    void manyHostileClientsAtOnceLeaveEverySlotFree() {
        byte[] hello = clientHello();
        for (int round = 0; round < 50; round++) {
            try (TestClient half = TestClient.connect(listener.port());
                 TestClient garbage = TestClient.connect(listener.port())) {
                half.write(Arrays.copyOf(hello, 1 + round % (hello.length - 1)));
                garbage.write(Bytes.random(64, round));
            }
        }
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
        await().atMost(PATIENCE).until(() -> seen.closed() == 100);
        try (TlsTestClient after = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            assertEquals("served", after.echo("served"));
        }
    }

    /** The first flight of a real TLS client: a ClientHello record as the JDK writes it. */
    private byte[] clientHello() {
        try {
            SSLEngine engine = certificates.clientContext().createSSLEngine("localhost", listener.port());
            engine.setUseClientMode(true);
            ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
            engine.wrap(ByteBuffer.allocate(0), out);
            out.flip();
            byte[] hello = new byte[out.remaining()];
            out.get(hello);
            return hello;
        } catch (SSLException e) {
            throw new AssertionError("the JDK cannot write a ClientHello", e);
        }
    }
}
