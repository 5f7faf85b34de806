package dev.ranch.core.client;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Outbound connections: connect, the Protocol SPI, reconnect with back-off, give up, close. */
class OutboundConnectionTest {

    private static final ReconnectPolicy QUICK = ReconnectPolicy.exponential()
            .initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(100)).build();

    // Closed in this order after each test: the client side first, as it would reconnect.
    @TestRanch(eventLoops = 1, jmx = false)
    private Ranch client;
    @TestRanch(eventLoops = 1, jmx = false)
    private Ranch server;
    private final List<OutboundState> states = new CopyOnWriteArrayList<>();

    /** Says "hello" on connect and records what comes back. */
    private static final class Greeter implements Protocol {
        final List<String> received;

        Greeter(List<String> received) {
            this.received = received;
        }

        @Override
        public void onHandshake(Connection connection) {
            connection.write("hello".getBytes(StandardCharsets.US_ASCII));
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            received.add(new String(bytes, StandardCharsets.US_ASCII));
        }
    }

    private Listener echoServer(int port) {
        return server.startListener("echo", Transports.tcp(), Loopback.options().port(port).build(),
                c -> new EchoProtocol());
    }

    private OutboundConnection connect(int port, List<String> received, ReconnectPolicy policy) {
        return client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                c -> new Greeter(received), policy, (o, state) -> states.add(state));
    }

    @Test
    void anOutboundConnectionSpeaksTheSameProtocolSpiOnTheLoops() {
        Listener listener = echoServer(0);
        List<String> received = new CopyOnWriteArrayList<>();
        OutboundConnection outbound = connect(listener.port(), received, QUICK);

        await().atMost(PATIENCE).until(() -> String.join("", received).equals("hello"));
        assertEquals(OutboundState.CONNECTED, outbound.state());
        Connection connection = outbound.connection().orElseThrow();
        assertNull(connection.listener(), "an outbound connection has no listener");
        assertEquals(listener.port(), ((InetSocketAddress) connection.peer()).getPort());
    }

    @Test
    void itReconnectsWithBackOffWhenTheServerGoesAwayAndComesBack() throws IOException {
        int port = Loopback.freePort();
        echoServer(port);
        List<String> received = new CopyOnWriteArrayList<>();
        OutboundConnection outbound = connect(port, received, QUICK);
        await().atMost(PATIENCE).until(() -> String.join("", received).equals("hello"));

        server.stopListener("echo");
        await().atMost(PATIENCE).until(() -> states.contains(OutboundState.BACKING_OFF));
        echoServer(port);

        await("connected again and greeted again").atMost(PATIENCE)
                .until(() -> String.join("", received).equals("hellohello"));
        assertEquals(OutboundState.CONNECTED, outbound.state());
        assertTrue(states.indexOf(OutboundState.BACKING_OFF) > states.indexOf(OutboundState.CONNECTED));
    }

    @Test
    void itGivesUpAfterTheAttemptsThePolicyAllows() throws Exception {
        int closedPort = Loopback.freePort();
        OutboundConnection outbound = connect(closedPort, new CopyOnWriteArrayList<>(),
                ReconnectPolicy.exponential().initialDelay(Duration.ofMillis(10)).maxDelay(Duration.ofMillis(20))
                        .maxAttempts(3).build());

        assertTrue(outbound.awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(OutboundState.GAVE_UP, outbound.state());
        long attempts = states.stream().filter(s -> s == OutboundState.CONNECTING).count();
        assertEquals(3, attempts, "one connect per allowed attempt: " + states);
    }

    @Test
    void closeStopsReconnectingAndClosesTheConnectionGracefully() throws Exception {
        AtomicInteger serverCloses = new AtomicInteger();
        Listener listener = server.startListener("watch", Transports.tcp(), Loopback.options().build(),
                c -> new EchoProtocol() {
                    @Override
                    public void onClose(Connection connection, Throwable cause) {
                        serverCloses.incrementAndGet();
                    }
                });
        List<String> received = new CopyOnWriteArrayList<>();
        OutboundConnection outbound = connect(listener.port(), received, QUICK);
        await().atMost(PATIENCE).until(() -> String.join("", received).equals("hello"));

        outbound.close();
        assertTrue(outbound.awaitTermination(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        assertEquals(OutboundState.CLOSED, outbound.state());
        await().atMost(PATIENCE).until(() -> serverCloses.get() == 1);
        await().during(Duration.ofMillis(300)).atMost(PATIENCE)
                .until(() -> listener.info().totalAccepted() == 1);
    }

    @Test
    void closingTheRanchClosesItsOutboundConnections() throws Exception {
        Listener listener = echoServer(0);
        OutboundConnection outbound = connect(listener.port(), new CopyOnWriteArrayList<>(), QUICK);
        await().atMost(PATIENCE).until(() -> outbound.state() == OutboundState.CONNECTED);

        client.close();
        assertEquals(OutboundState.CLOSED, outbound.state());
    }

    @Test
    void backOffDoublesUpToTheCapWithJitterWithinItsBounds() {
        ReconnectPolicy policy = ReconnectPolicy.exponential().initialDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofMillis(1000)).jitter(0.2).build();
        long[] expectedMillis = {100, 200, 400, 800, 1000, 1000};
        for (int failures = 1; failures <= expectedMillis.length; failures++) {
            long expected = TimeUnit.MILLISECONDS.toNanos(expectedMillis[failures - 1]);
            for (int i = 0; i < 200; i++) {
                long delay = policy.delayNanos(failures);
                assertTrue(delay >= expected * 0.8 && delay <= expected * 1.2,
                        "failure " + failures + ": " + delay + " ns outside 20% of " + expected);
            }
        }
    }
}
