package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.client.ReconnectPolicy;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plaintext line protocol upgrades its live connection to TLS on {@code STARTTLS}, as SMTP
 * does (RFC 3207): lines before the command are answered in plaintext, the answer to the
 * command is the last plaintext, and everything after the handshake is encrypted. Bytes a
 * client pipelines behind the command never reach the secure session.
 */
class StartTlsTest {

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();
    /** Every line the server took, tagged with whether it came over TLS. */
    private final Queue<String> heard = new ConcurrentLinkedQueue<>();
    private Listener listener;

    /**
     * Both sides of a STARTTLS exchange: plaintext split into lines until a line starts the
     * upgrade, whatever follows that line in the same read dropped (RFC 3207 §5: it is not to
     * be trusted), and raw bytes once TLS is on.
     */
    private abstract static class LinesThenTls implements Protocol {
        private final StringBuilder line = new StringBuilder();

        /** One plaintext line; {@code false} once it started the upgrade. */
        abstract boolean line(Connection connection, String text);

        /** Bytes that came over TLS. */
        abstract void secure(Connection connection, byte[] bytes);

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            if (connection.tls().isPresent()) {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                secure(connection, bytes);
                return;
            }
            while (data.hasRemaining()) {
                char c = (char) data.get();
                if (c != '\n') {
                    line.append(c);
                    continue;
                }
                String text = line.toString();
                line.setLength(0);
                if (!line(connection, text)) {
                    data.position(data.limit());
                    return;
                }
            }
        }

        static String version(Connection connection) {
            return connection.tls().map(tls -> tls.session().getProtocol()).orElse("without TLS");
        }

        static void send(Connection connection, String text) {
            connection.write(text.getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** "220 ready", then each plaintext line echoed as "plain LINE" until STARTTLS; an echo over TLS after. */
    private final class Upgrading extends LinesThenTls {
        @Override
        public void onHandshake(Connection connection) {
            send(connection, "220 ready\n");
        }

        @Override
        boolean line(Connection connection, String command) {
            heard.add("plain " + command);
            if (command.equals("STARTTLS")) {
                send(connection, "220 go ahead\n");
                connection.startTls(TlsOptions.builder(certificates.serverContext()).build());
                return false;
            }
            send(connection, "plain " + command + "\n");
            return true;
        }

        @Override
        void secure(Connection connection, byte[] bytes) {
            heard.add("tls " + new String(bytes, StandardCharsets.US_ASCII));
            connection.write(bytes);
        }

        @Override
        public void onTlsStarted(Connection connection) {
            heard.add("started " + version(connection));
            send(connection, "secure\n");
        }
    }

    @BeforeEach
    void start() {
        listener = ranch.startListener("starttls", Transports.tcp(),
                Loopback.options().handshakeTimeout(Duration.ofSeconds(2)).build(), connection -> new Upgrading());
    }

    @Test
    void plaintextThenUpgradeThenEncryptedEcho() {
        TestClient plain = TestClient.connect(listener.port());
        try (plain) {
            assertEquals("220 ready", plain.readLine());
            plain.write("HELLO\n");
            assertEquals("plain HELLO", plain.readLine());
            plain.write("STARTTLS\n");
            assertEquals("220 go ahead", plain.readLine());
            try (TlsTestClient secure = TlsTestClient.upgrade(plain.socket(), certificates.clientContext())) {
                assertEquals("secure\n", secure.readString(7));
                assertEquals("over tls\n", secure.echo("over tls\n"));
            }
        }
        await().atMost(PATIENCE).until(() -> heard.size() == 4);
        assertEquals(List.of("plain HELLO", "plain STARTTLS", "started TLSv1.3", "tls over tls\n"), List.copyOf(heard));
    }

    @Test
    void bytesPipelinedAfterStartTlsAreDiscarded() {
        TestClient plain = TestClient.connect(listener.port());
        try (plain) {
            assertEquals("220 ready", plain.readLine());
            // One write, so the injected line arrives in the same read as the command.
            plain.write("STARTTLS\nMAIL FROM:<injected@example.com>\n");
            assertEquals("220 go ahead", plain.readLine());
            try (TlsTestClient secure = TlsTestClient.upgrade(plain.socket(), certificates.clientContext())) {
                assertEquals("secure\n", secure.readString(7));
                assertEquals("after\n", secure.echo("after\n"));
            }
        }
        await().atMost(PATIENCE).until(() -> heard.size() == 3);
        assertEquals(List.of("plain STARTTLS", "started TLSv1.3", "tls after\n"), List.copyOf(heard));
    }

    @Test
    void aClientThatNeverStartsTheHandshakeIsClosedAndOthersUpgrade() {
        try (TestClient stalled = TestClient.connect(listener.port())) {
            assertEquals("220 ready", stalled.readLine());
            stalled.write("STARTTLS\n");
            assertEquals("220 go ahead", stalled.readLine());
            assertTrue(stalled.isClosedByPeer(), "the upgrade's handshake is bounded by handshakeTimeout");
        }
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
        assertEquals(List.of("plain STARTTLS"), List.copyOf(heard));
        heard.clear();
        plaintextThenUpgradeThenEncryptedEcho();
    }

    /**
     * The client side of STARTTLS in ranch itself: an outbound connection reads the server's
     * plaintext lines, sends STARTTLS, and on the go-ahead upgrades with client options; the
     * server's certificate is verified for {@code localhost} and the exchange continues
     * encrypted.
     */
    @Test
    void aRanchOutboundConnectionUpgradesItselfWithClientOptions() {
        Queue<String> client = new ConcurrentLinkedQueue<>();
        Protocol upgrader = new LinesThenTls() {
            @Override
            boolean line(Connection connection, String answer) {
                client.add("plain " + answer);
                if (answer.equals("220 ready")) {
                    send(connection, "STARTTLS\n");
                } else if (answer.equals("220 go ahead")) {
                    connection.startTls(TlsOptions.clientBuilder(certificates.clientContext(), "localhost").build());
                    return false;
                }
                return true;
            }

            @Override
            void secure(Connection connection, byte[] bytes) {
                client.add("tls " + new String(bytes, StandardCharsets.US_ASCII));
            }

            @Override
            public void onTlsStarted(Connection connection) {
                client.add("started " + version(connection));
                send(connection, "from ranch\n");
            }
        };
        ranch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()), c -> upgrader,
                ReconnectPolicy.never());

        await().atMost(PATIENCE).until(() -> heard.size() == 3);
        assertEquals(List.of("plain STARTTLS", "started TLSv1.3", "tls from ranch\n"), List.copyOf(heard));
        await().atMost(PATIENCE).until(() -> String.join("|", client).endsWith("from ranch\n"));
        String seen = String.join("|", client);
        assertTrue(seen.startsWith("plain 220 ready|plain 220 go ahead|started TLSv1.3|tls secure\n"), seen);
    }
}
