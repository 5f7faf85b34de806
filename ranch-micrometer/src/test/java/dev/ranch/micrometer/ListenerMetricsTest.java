package dev.ranch.micrometer;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.AtLimit;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.transport.Transports;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ListenerMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** Echoes, and throws on a line starting with "boom". */
    static final class FragileEcho implements Protocol {
        @Override
        public void onData(Connection connection, ByteBuffer data) {
            if (data.remaining() >= 4 && data.get(data.position()) == 'b') {
                throw new IllegalStateException("boom");
            }
            connection.write(data);
        }
    }

    @Test
    void countersFollowRealTraffic() {
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).loopLagInterval(Duration.ofMillis(50)).build()) {
            Listener listener = ranch.startListener("metered", Transports.tcp(),
                    Loopback.options().maxConnections(2).atLimit(AtLimit.CLOSE).build(), connection -> new FragileEcho());
            new ListenerMetrics(listener, Tags.of("app", "test")).bindTo(registry);

            try (TestClient first = TestClient.connect(listener.port());
                 TestClient second = TestClient.connect(listener.port())) {
                EchoProtocol.assertEchoes(first, "hello");
                EchoProtocol.assertEchoes(second, "world!");
                assertEquals(2, gauge("ranch.connections.active"));
                assertEquals(2, gauge("ranch.connections.limit"));
                try (TestClient third = TestClient.connect(listener.port())) {
                    assertTrue(third.isClosedByPeer(), "the third client is refused at the limit");
                }
                await().atMost(PATIENCE).until(() -> counter("ranch.connections.refused") == 1);
                first.write("boom");
                assertTrue(first.isClosedByPeer());
            }
            await().atMost(PATIENCE).until(() -> gauge("ranch.connections.active") == 0);
            assertEquals(2, counter("ranch.connections.accepted"));
            assertEquals(1, counter("ranch.crashes"));
            assertEquals(5 + 6 + 4, counter("ranch.received"));
            assertEquals(5 + 6, counter("ranch.sent"));
            assertEquals(0, counter("ranch.handshake.failures"));
            await().atMost(PATIENCE).until(() -> !Double.isNaN(lagSeconds("ranch-loop-0")));
            assertTrue(lagSeconds("ranch-loop-0") < 10, "an idle loop runs its probe soon");
            assertEquals("test", registry.get("ranch.crashes").tag("listener", "metered").functionCounter()
                    .getId().getTag("app"));
        }
    }

    /** Never calls handshake(), so the handshake timeout ends every connection. */
    static final class NeverHandshakes implements Protocol {
        @Override
        public void init(Connection connection) {
            // No handshake: the listener's handshakeTimeout closes the connection.
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            throw new AssertionError("no data before the handshake");
        }
    }

    @Test
    void handshakeFailuresAreCounted() {
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build()) {
            Listener listener = ranch.startListener("stuck", Transports.tcp(),
                    Loopback.options().handshakeTimeout(Duration.ofMillis(100)).build(), connection -> new NeverHandshakes());
            new ListenerMetrics(listener).bindTo(registry);
            try (TestClient client = TestClient.connect(listener.port())) {
                assertTrue(client.isClosedByPeer());
            }
            await().atMost(PATIENCE).until(() -> counter("ranch.handshake.failures") == 1);
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void theAcceptQueueGaugeShowsClientsNoAcceptorTook() {
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build()) {
            Listener listener = ranch.startListener("full", Transports.tcp(),
                    Loopback.options().maxConnections(0).atLimit(AtLimit.WAIT).build(), connection -> new EchoProtocol());
            new ListenerMetrics(listener).bindTo(registry);
            assertEquals(0, gauge("ranch.accept.queue"));
            TestClient a = TestClient.connect(listener.port());
            TestClient b = TestClient.connect(listener.port());
            try {
                await().atMost(PATIENCE).until(() -> gauge("ranch.accept.queue") == 2);
            } finally {
                a.close();
                b.close();
            }
        }
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private double counter(String name) {
        return registry.get(name).functionCounter().count();
    }

    private double lagSeconds(String loop) {
        return registry.get("ranch.loop.lag").tag("loop", loop).timeGauge().value(TimeUnit.SECONDS);
    }
}
