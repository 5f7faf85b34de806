package dev.ranch.core.transport.tls;

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

import java.io.UncheckedIOException;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The {@code protocols} and {@code cipherSuites} options are what a client meets on the wire:
 * a version the listener leaves out is refused, and OpenSSL negotiates the one suite allowed.
 */
class TlsVersionsAndSuitesTest {

    @TestRanch
    Ranch ranch;

    @RegisterExtension
    final ExternalProcess.Tracker processes = new ExternalProcess.Tracker();

    private final TestCertificates certificates = TestCertificates.get();

    private Listener echo(TlsOptions options) {
        return ranch.startListener("tls-versions", Transports.tls(options), Loopback.options().build(),
                connection -> new EchoProtocol());
    }

    @Test
    void aListenerLimitedToTls12RefusesATls13OnlyClient() {
        Listener listener = echo(TlsOptions.builder(certificates.serverContext()).protocols("TLSv1.2").build());
        assertThrows(UncheckedIOException.class,
                () -> TlsTestClient.to(listener.port(), certificates.clientContext()).protocols("TLSv1.3").connect());
        try (TlsTestClient client = TlsTestClient.to(listener.port(), certificates.clientContext()).connect()) {
            assertEquals("TLSv1.2", client.session().getProtocol(), "a client offering both settles on 1.2");
            assertEquals("twelve", client.echo("twelve"));
        }
        await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 0);
    }

    @Test
    void openSslGetsTheOneCipherSuiteAllowed() {
        Listener listener = echo(TlsOptions.builder(certificates.serverContext()).protocols("TLSv1.2")
                .cipherSuites("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256").build());
        String openssl = SystemPackages.require("openssl", "openssl").toString();
        ExternalProcess client = processes.start(openssl, "s_client", "-connect", "127.0.0.1:" + listener.port(),
                "-CAfile", certificates.caPem().toString(), "-verify_return_error", "-tls1_2");
        // OpenSSL's name for the same suite (RFC 7905).
        client.awaitOutput("Cipher is ECDHE-ECDSA-CHACHA20-POLY1305", PATIENCE);
        client.write("echoed under chacha\n");
        client.awaitOutput("echoed under chacha", PATIENCE);
    }
}
