package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.SystemPackages;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestCertificates.Identity;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenSSL's {@code s_client}, a TLS stack that shares nothing with the JDK's, against a ranch
 * TLS listener: it verifies the certificate chain, negotiates ALPN, echoes, hears close_notify
 * when the server closes, and an old protocol version is refused. Skipped with a message where
 * openssl is not installed and cannot be.
 */
class TlsOpenSslTest {

    @TestRanch
    Ranch ranch;

    @RegisterExtension
    final ExternalProcess.Tracker processes = new ExternalProcess.Tracker();

    private final TestCertificates certificates = TestCertificates.get();
    private Path openssl;
    private Listener listener;

    /** Echoes, and answers a line "QUIT" with "bye" and a close. */
    private static final class QuittingEcho extends EchoProtocol {
        @Override
        public void onData(Connection connection, ByteBuffer data) {
            String text = StandardCharsets.US_ASCII.decode(data.duplicate()).toString();
            if (text.startsWith("QUIT")) {
                connection.write("bye\n".getBytes(StandardCharsets.US_ASCII));
                connection.close();
                return;
            }
            super.onData(connection, data);
        }
    }

    @BeforeEach
    void start() {
        openssl = SystemPackages.require("openssl", "openssl");
        listener = ranch.startListener("tls-openssl", Transports.tls(TlsOptions.builder(certificates.serverContext())
                        .applicationProtocols("echo/1").build()),
                Loopback.options().build(), connection -> new QuittingEcho());
    }

    private ExternalProcess sClient(String... extra) {
        List<String> command = new ArrayList<>(List.of(openssl.toString(), "s_client",
                "-connect", "127.0.0.1:" + listener.port(), "-servername", "localhost",
                "-CAfile", certificates.caPem().toString(), "-verify_return_error", "-state",
                // Otherwise a line starting with Q (or R, or k) is a command to s_client itself.
                "-nocommands"));
        command.addAll(List.of(extra));
        return processes.start(command);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-tls1_3", "-tls1_2"})
    void sClientVerifiesNegotiatesAlpnEchoesAndHearsCloseNotify(String version) {
        ExternalProcess client = sClient(version, "-alpn", "h2,echo/1");
        client.awaitOutput("Verify return code: 0 (ok)", PATIENCE);
        String handshake = client.awaitOutput("ALPN protocol: echo/1", PATIENCE);
        assertTrue(handshake.contains(version.equals("-tls1_3") ? "TLSv1.3" : "TLSv1.2"), handshake);

        client.write("hello from openssl\n");
        client.awaitOutput("hello from openssl", PATIENCE);
        client.write("QUIT\n");
        String end = client.awaitOutput("bye", PATIENCE);
        // The server's close is a TLS close_notify alert, not just a TCP FIN.
        client.awaitOutput("SSL3 alert read:warning:close notify", PATIENCE);
        assertEquals(0, client.awaitExit(PATIENCE), end);
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
    }

    @Test
    void sClientWithoutAlpnNegotiatesNone() {
        ExternalProcess client = sClient();
        String handshake = client.awaitOutput("No ALPN negotiated", PATIENCE);
        assertTrue(handshake.contains("Verify return code: 0 (ok)"), handshake);
        client.write("plain echo\n");
        client.awaitOutput("plain echo", PATIENCE);
    }

    @Test
    void sClientPresentingAClientCertificateIsSeenByTheProtocol() throws Exception {
        TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
        Listener mutual = ranch.startListener("tls-openssl-mutual", Transports.tls(
                        TlsOptions.builder(certificates.serverContext()).clientAuth(ClientAuth.NEED).build()),
                Loopback.options().build(), connection -> new TlsRecordingEcho(seen));
        ExternalProcess client = processes.start(openssl.toString(), "s_client",
                "-connect", "127.0.0.1:" + mutual.port(), "-CAfile", certificates.caPem().toString(),
                "-cert", certificates.certificatePem(Identity.CLIENT).toString(),
                "-key", certificates.keyPem(Identity.CLIENT).toString(), "-verify_return_error");
        client.awaitOutput("Verify return code: 0 (ok)", PATIENCE);
        client.write("mutual\n");
        client.awaitOutput("mutual", PATIENCE);
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 1);
        assertEquals(certificates.certificate(Identity.CLIENT),
                seen.handshakes().get(0).session().getPeerCertificates()[0]);
    }

    @Test
    void tls11IsRefusedAndTheListenerGoesOn() {
        // SECLEVEL=0: OpenSSL 3 would not even offer TLS 1.1 otherwise, and the test would prove nothing.
        ExternalProcess old = sClient("-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
        old.closeInput();
        int exit = old.awaitExit(PATIENCE);
        assertNotEquals(0, exit, old.output());
        assertTrue(old.output().contains("alert protocol version"), "refused by the server:\n" + old.output());
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);

        ExternalProcess current = sClient();
        current.write("still serving\n");
        current.awaitOutput("still serving", PATIENCE);
    }
}
