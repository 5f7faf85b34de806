package dev.ranch.core.transport.tls;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestCertificates.Identity;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.test.TlsTestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The server name a client asks for (SNI) chooses the certificate it gets, before the
 * handshake completes; a name nobody serves is refused without costing anyone else.
 */
class TlsServerNameTest {

    @TestRanch
    Ranch ranch;

    private final TestCertificates certificates = TestCertificates.get();
    private final TlsRecordingEcho.Seen seen = new TlsRecordingEcho.Seen();
    private final Queue<String> asked = new ConcurrentLinkedQueue<>();
    private Listener listener;

    @BeforeEach
    void start() {
        ServerNameSelector byName = (name, connection) -> {
            asked.add(String.valueOf(name));
            if (name == null) {
                return certificates.serverContext(Identity.SERVER);
            }
            return switch (name) {
                case "alpha.test" -> certificates.serverContext(Identity.ALPHA);
                case "beta.test" -> certificates.serverContext(Identity.BETA);
                default -> null;
            };
        };
        listener = ranch.startListener("tls-sni",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).serverNames(byName).build()),
                Loopback.options().build(), connection -> new TlsRecordingEcho(seen));
    }

    private TlsTestClient connect(String serverName) {
        TlsTestClient.Builder builder = TlsTestClient.to(listener.port(), certificates.clientContext());
        return (serverName == null ? builder : builder.serverName(serverName)).connect();
    }

    @Test
    void eachNameGetsItsOwnCertificateAndTheProtocolSeesTheName() {
        try (TlsTestClient alpha = connect("alpha.test"); TlsTestClient beta = connect("beta.test")) {
            assertEquals(certificates.certificate(Identity.ALPHA), alpha.peerCertificate());
            assertEquals(certificates.certificate(Identity.BETA), beta.peerCertificate());
            assertEquals("to alpha", alpha.echo("to alpha"));
            assertEquals("to beta", beta.echo("to beta"));
        }
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 2);
        List<String> names = seen.handshakes().stream().map(TlsInfo::serverName).sorted().toList();
        assertEquals(List.of("alpha.test", "beta.test"), names);
    }

    @Test
    void aClientWithoutSniGetsWhatTheSelectorChoosesForNoName() {
        try (TlsTestClient client = connect(null)) {
            assertEquals(certificates.certificate(Identity.SERVER), client.peerCertificate());
            assertEquals("nameless", client.echo("nameless"));
        }
        await().atMost(PATIENCE).until(() -> seen.handshakes().size() == 1);
        assertNull(seen.handshakes().get(0).serverName());
        assertEquals(List.of("null"), List.copyOf(asked));
    }

    @Test
    void aNameTheSelectorRefusesClosesThatConnectionOnly() {
        try (TlsTestClient alpha = connect("alpha.test")) {
            assertThrows(UncheckedIOException.class, () -> connect("gamma.test").close());
            await().atMost(PATIENCE).until(() -> listener.info().activeConnections() == 1);
            assertEquals("alpha still served", alpha.echo("alpha still served"));
        }
        assertEquals(List.of("alpha.test", "gamma.test"), List.copyOf(asked));
    }

    @ParameterizedTest
    @EnumSource(TlsEngineClient.Delivery.class)
    void theNameIsFoundHoweverTheClientHelloIsCut(TlsEngineClient.Delivery delivery) throws IOException {
        try (TlsEngineClient client = TlsEngineClient.connect(listener.port(), certificates.clientContext(),
                "beta.test", delivery)) {
            assertEquals(certificates.certificate(Identity.BETA), client.peerCertificate());
            assertEquals("cut " + delivery, client.echo("cut " + delivery));
        }
        assertEquals(List.of("beta.test"), List.copyOf(asked));
    }

    @Test
    void aSelectorThatThrowsCostsOnlyItsConnection() {
        Listener fragile = ranch.startListener("tls-sni-throws",
                Transports.tls(TlsOptions.builder(certificates.serverContext()).serverNames((name, connection) -> {
                    if ("boom.test".equals(name)) {
                        throw new IllegalStateException("selector bug");
                    }
                    return certificates.serverContext(Identity.ALPHA);
                }).build()),
                Loopback.options().build(), connection -> new TlsRecordingEcho(seen));
        try (TlsTestClient alpha = TlsTestClient.to(fragile.port(), certificates.clientContext())
                .serverName("alpha.test").connect()) {
            assertThrows(UncheckedIOException.class, () -> TlsTestClient.to(fragile.port(), certificates.clientContext())
                    .serverName("boom.test").connect().close());
            await().atMost(PATIENCE).until(() -> fragile.info().activeConnections() == 1);
            assertEquals("unharmed", alpha.echo("unharmed"));
        }
    }
}
