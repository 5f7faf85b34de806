package dev.ranch.core;

import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.EchoProtocol;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read and write paths of a steady connection allocate nothing: bytes are read into the
 * loop's buffer, handed to the protocol, and written straight to the socket. Measured with
 * the JVM's per-thread allocation counter on the loop thread itself.
 */
class SteadyStateAllocationTest {

    @TestRanch(eventLoops = 1)
    private Ranch ranch;

    @Test
    void echoRoundTripsAllocateNothingOnTheLoopThread() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        Listener listener = ranch.startListener("echo", Transports.tcp(), Loopback.options().build(),
                c -> new EchoProtocol());
        Thread loop = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("ranch-loop-0")).findFirst().orElseThrow();
        byte[] message = Bytes.random(64, 7);
        try (TestClient client = TestClient.connect(listener.port())) {
            // Warm up: class loading, JIT, the JDK's temporary direct buffer cache.
            roundTrips(client, message, 20_000);
            long before = threads.getThreadAllocatedBytes(loop.getId());
            int n = 20_000;
            roundTrips(client, message, n);
            long perRoundTrip = (threads.getThreadAllocatedBytes(loop.getId()) - before) / n;
            // A byte or two per trip is the selector's own bookkeeping at most; a buffer or a
            // lambda per read or write would be 16+ bytes every time.
            assertTrue(perRoundTrip < 8, "loop thread allocated " + perRoundTrip + " bytes per round trip");
        }
    }

    private static void roundTrips(TestClient client, byte[] message, int n) {
        for (int i = 0; i < n; i++) {
            client.write(message);
            byte[] back = client.readExactly(message.length);
            if (!Arrays.equals(message, back)) {
                assertArrayEquals(message, back);
            }
        }
    }
}
