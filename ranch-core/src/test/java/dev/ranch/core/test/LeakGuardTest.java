package dev.ranch.core.test;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Test;

import java.lang.ref.Reference;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.util.List;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The leak guard names what a test left open, and nothing once it is closed. */
class LeakGuardTest {

    @Test
    void aRanchLeftRunningIsNamedByItsThreadsAndListeningSocket() {
        assumeTrue(ProcessResources.fileDescriptorsVisible(), "needs Linux /proc/self/fd");
        LeakGuard.Snapshot before = LeakGuard.Snapshot.take();
        Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build();
        try {
            Listener listener = ranch.startListener("guarded", Transports.tcp(),
                    Loopback.options().numAcceptors(1).build(), c -> new EchoProtocol());

            LeakGuard.Leaks leaks = before.leaksSince();

            assertEquals(List.of("ranch-guarded-acceptor-0", "ranch-loop-0", "ranch-loop-watchdog"),
                    ProcessResources.names(leaks.threads()));
            assertTrue(leaks.descriptors().containsValue("anon_inode:[eventpoll]"), leaks.describe());
            assertTrue(leaks.describe().contains("127.0.0.1:" + listener.port() + " -> "), leaks.describe());
            assertTrue(leaks.describe().contains(" LISTEN)"), leaks.describe());
        } finally {
            ranch.close();
        }
        await("the closed ranch's threads and descriptors are gone").atMost(PATIENCE)
                .until(() -> before.leaksSince().isEmpty());
    }

    @Test
    void aClientSocketLeftOpenIsNamedWithBothAddresses() throws Exception {
        assumeTrue(ProcessResources.fileDescriptorsVisible(), "needs Linux /proc/self/fd");
        LeakGuard.Snapshot before = LeakGuard.Snapshot.take();
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
             Socket accepted = server.accept()) {
            String described = before.leaksSince().describe();

            assertTrue(described.contains("127.0.0.1:" + client.getLocalPort() + " -> 127.0.0.1:"
                    + server.getLocalPort() + " ESTABLISHED"), described);
            assertTrue(described.contains("127.0.0.1:" + server.getLocalPort() + " -> 127.0.0.1:"
                    + accepted.getPort() + " ESTABLISHED"), described);
            assertTrue(described.contains("3 file descriptor(s)"), described);
        }
        await("closed sockets are gone").atMost(PATIENCE).until(() -> before.leaksSince().isEmpty());
    }

    @Test
    void aJdkHttpClientIsNamedWithTheWayToReleaseIt() {
        assumeTrue(ProcessResources.fileDescriptorsVisible(), "needs Linux /proc/self/fd");
        LeakGuard.Snapshot before = LeakGuard.Snapshot.take();
        HttpClient client = HttpClient.newHttpClient();

        String described = before.leaksSince().describe();

        assertTrue(described.contains("anon_inode:[eventpoll]"), described);
        assertTrue(described.contains("JdkHttpClients.awaitCollected()"), described);
        Reference.reachabilityFence(client);
        client = null;
        JdkHttpClients.awaitCollected();
        await("the collected client's descriptors are gone").atMost(PATIENCE)
                .until(() -> before.leaksSince().isEmpty());
    }
}
