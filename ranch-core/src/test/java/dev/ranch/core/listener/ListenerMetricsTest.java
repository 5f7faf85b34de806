package dev.ranch.core.listener;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The figures a metrics binder reads from a listener, against real sockets. */
class ListenerMetricsTest {

    @Test
    void bytesInAndOutCountEveryConnectionClosedOnesIncluded() {
        try (Ranch ranch = Ranch.builder().eventLoops(2).jmx(false).build()) {
            Listener listener = ranch.startListener("bytes", Transports.tcp(), Loopback.options().build(),
                    connection -> new EchoProtocol());
            String text = "x".repeat(1000);
            for (int i = 0; i < 3; i++) {
                try (TestClient client = TestClient.connect(listener.port())) {
                    EchoProtocol.assertEchoes(client, text);
                }
            }
            await().atMost(PATIENCE).until(() -> listener.info().allConnections() == 0);
            assertEquals(3000, listener.bytesIn());
            assertEquals(3000, listener.bytesOut());
            try (TestClient client = TestClient.connect(listener.port())) {
                EchoProtocol.assertEchoes(client, "live");
                assertEquals(3004, listener.bytesIn(), "a live connection's bytes count too");
            }
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void theAcceptQueueDepthCountsClientsWaitingForAnAcceptor() throws Exception {
        int waiting = 6;
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build()) {
            // No slot: the acceptors wait for room instead of accepting, so clients pile up in the kernel.
            Listener listener = ranch.startListener("queue", Transports.tcp(),
                    Loopback.options().maxConnections(0).atLimit(AtLimit.WAIT).backlog(64).build(),
                    connection -> new EchoProtocol());
            assertEquals(0, listener.acceptQueueDepth());
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < waiting; i++) {
                    Socket socket = new Socket();
                    socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()), 5000);
                    clients.add(socket);
                }
                await().atMost(PATIENCE).until(listener::acceptQueueDepth, depth -> depth == waiting);
                listener.setMaxConnections(ListenerOptions.INFINITY);
                await().atMost(PATIENCE).until(listener::acceptQueueDepth, depth -> depth == 0);
                await().atMost(PATIENCE).until(() -> listener.info().allConnections() == waiting);
            } finally {
                for (Socket socket : clients) {
                    socket.close();
                }
            }
            listener.suspend();
            assertEquals(-1, listener.acceptQueueDepth(), "no listen socket while suspended");
        }
    }

    @Test
    void aUnixSocketHasNoAcceptQueueFigure() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ranch-queue");
        java.nio.file.Path path = dir.resolve("s.sock");
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build()) {
            Listener listener = ranch.startListener("unix", Transports.unix(),
                    ListenerOptions.builder().unixPath(path).build(), connection -> new EchoProtocol());
            assertEquals(-1, listener.acceptQueueDepth());
        } finally {
            java.nio.file.Files.deleteIfExists(path);
            java.nio.file.Files.deleteIfExists(dir);
        }
    }

    /** Holds its loop for 1.5 s when the first byte arrives. */
    static final class BusyProtocol implements Protocol {
        @Override
        public void onData(Connection connection, ByteBuffer data) {
            long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            while (System.nanoTime() - end < 0) {
                Thread.onSpinWait();
            }
            connection.write(data);
        }
    }

    @Test
    void aBusyLoopShowsLag() {
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).blockedThreshold(Duration.ZERO)
                .loopLagInterval(Duration.ofMillis(50)).build()) {
            Listener listener = ranch.startListener("busy", Transports.tcp(), Loopback.options().build(),
                    connection -> new BusyProtocol());
            await().atMost(PATIENCE).until(() -> listener.loopLags().get(0).lag() != null);
            try (TestClient client = TestClient.connect(listener.port())) {
                client.write("go");
                await().atMost(PATIENCE).until(() -> listener.loopLags().get(0).lag().toMillis() >= 1000);
                assertEquals("go", client.readString(2));
            }
            LoopLag lag = listener.loopLags().get(0);
            assertEquals("ranch-loop-0", lag.loop());
            // Once the loop is free, the next probes run at once again.
            await().atMost(PATIENCE).until(() -> listener.loopLags().get(0).lag().toMillis() < 500);
            assertTrue(ranch.loopLags().size() == 1);
        }
    }

    @Test
    void probingOffReportsNoLag() {
        try (Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).loopLagInterval(Duration.ZERO).build()) {
            assertEquals(null, ranch.loopLags().get(0).lag());
        }
    }
}
