package dev.ranch.core.listener;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.proxy.ProxyMode;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.Stampede;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsOptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * The {@link Stampede} against a bare listener (PROXY header, then TLS, then a line protocol):
 * resets, half-closes and aborts in the middle of each layer while the listener is suspended,
 * resumed and re-limited at random leave nothing behind, and the limit holds throughout.
 * About 10 s by default, 30 s under {@code -Pstress}.
 */
@EnabledOnOs(OS.LINUX)
class StampedeTest {

    private static final byte[] REQUEST = "ping\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ANSWER = "pong\n".getBytes(StandardCharsets.US_ASCII);

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();

    @Test
    void aTenSecondStampedeLeavesNothingBehindAndNeverBreaksTheLimit() throws Exception {
        stampede(Duration.ofSeconds(10));
    }

    @Test
    @Tag("stress")
    void aThirtySecondStampedeLeavesNothingBehindAndNeverBreaksTheLimit() throws Exception {
        stampede(Duration.ofSeconds(30));
    }

    private void stampede(Duration length) throws Exception {
        Listener listener = ranch.startListener("stampede",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).build()),
                Loopback.options().proxyProtocol(ProxyMode.REQUIRED).numAcceptors(4)
                        .handshakeTimeout(Duration.ofSeconds(2)).proxyHeaderTimeout(Duration.ofSeconds(2)).build(),
                c -> new PingProtocol());
        Stampede.run(listener, certificates.clientContext(), REQUEST, ANSWER, length);
    }

    /** Answers {@code pong} to every line; a partial line waits for its end. */
    private static final class PingProtocol implements Protocol {

        @Override
        public void init(Connection connection) {
            connection.handshake();
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            while (data.hasRemaining()) {
                if (data.get() == '\n') {
                    connection.write(ByteBuffer.wrap(ANSWER));
                }
            }
        }
    }
}
