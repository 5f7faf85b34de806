package dev.ranch.core.transport.tls;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.ExternalProcess;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.SystemPackages;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * TLS keeps working when the engine has handshake work after the handshake: a TLS 1.3 key
 * update (a TLS 1.2 renegotiation is refused instead: {@link ClientRenegotiationTest}), and records whose plaintext the session has decrypted but
 * the protocol has not taken yet because it paused reading (the socket has nothing more to
 * announce, so only the session knows there is input).
 */
class TlsMidStreamTest {

    @TestRanch
    Ranch ranch;

    @RegisterExtension
    final ExternalProcess.Tracker processes = new ExternalProcess.Tracker();

    private final TestCertificates certificates = TestCertificates.get();

    private Listener echo() {
        return ranch.startListener("tls-mid-stream",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()),
                Loopback.options().build(), connection -> new EchoProtocol());
    }

    @Test
    void aKeyUpdateFromTheClientLeavesTheEchoWorking() throws IOException {
        Listener listener = echo();
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext())
                .protocols("TLSv1.3").connect()) {
            assertEquals("before", client.echo("before"));
            // On an established TLS 1.3 socket this sends a KeyUpdate asking the peer to update too.
            client.socket().startHandshake();
            assertEquals("after key update", client.echo("after key update"));
            client.socket().startHandshake();
            assertEquals("after another", client.echo("after another"));
        }
    }

    @Test
    void openSslKeyUpdatesBothWaysLeaveTheEchoWorking() {
        Listener listener = echo();
        String openssl = SystemPackages.require("openssl", "openssl").toString();
        ExternalProcess client = processes.start(openssl, "s_client", "-connect", "127.0.0.1:" + listener.port(),
                "-CAfile", certificates.caPem().toString(), "-verify_return_error", "-tls1_3");
        client.awaitOutput("Verify return code: 0 (ok)", PATIENCE);
        client.write("first\n");
        client.awaitOutput("first", PATIENCE);
        // s_client commands: "k" sends a KeyUpdate, "K" one that asks the server to update its keys too.
        // s_client drops the rest of a command's stdin read, so the next line waits for the update.
        client.write("k\n");
        awaitKeyUpdates(client, 1);
        client.write("after k\n");
        client.awaitOutput("after k", PATIENCE);
        client.write("K\n");
        awaitKeyUpdates(client, 2);
        client.write("after K\n");
        client.awaitOutput("after K", PATIENCE);
    }

    private static void awaitKeyUpdates(ExternalProcess client, int n) {
        await("s_client sent KeyUpdate " + n).atMost(PATIENCE)
                .until(() -> client.output().split("KEYUPDATE", -1).length - 1 >= n);
    }

    @Test
    void inputDecryptedWhileReadsArePausedIsDeliveredOnResume() {
        // Takes one onData, then pauses reading for a moment: whatever the session decrypted
        // meanwhile must come out on resume, without the socket announcing anything new.
        Listener listener = ranch.startListener("tls-paused",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()),
                Loopback.options().build(), connection -> new EchoProtocol() {
                    @Override
                    public void onData(Connection connection, ByteBuffer data) {
                        connection.write(data);
                        connection.pauseReads();
                        connection.schedule(Duration.ofMillis(50), "resume");
                    }

                    @Override
                    public void onTimeout(Connection connection, Object token) {
                        connection.resumeReads();
                    }
                });
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            // Three records back to back: they reach the server in one segment, mostly.
            client.write("one|").write("two|").write("three|");
            assertEquals("one|two|three|", client.readString(14));
            // And again, many small records, well past one read's worth of TLS framing.
            StringBuilder expected = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                String piece = i + ",";
                expected.append(piece);
                client.write(piece);
            }
            assertEquals(expected.toString(), client.readString(expected.length()));
        }
    }
}
