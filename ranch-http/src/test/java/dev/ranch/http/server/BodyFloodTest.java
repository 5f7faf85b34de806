package dev.ranch.http.server;

import dev.ranch.http.internal.server.BodyBuffer;
import dev.ranch.core.test.ExternalProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The body-flood attack: hundreds of connections each declare an 8 MB body and send one
 * byte. The server (alone in a child JVM with a 256 MiB heap, so its heap can be measured)
 * must hold only what arrived, stay far from its heap limit, and keep answering a
 * well-behaved keep-alive client meanwhile. Before the fix the same attack reserved 8 MB per
 * connection, 3.2 GB for these 400.
 */
class BodyFloodTest {

    private static final int ATTACKERS = 400;
    private static final long DECLARED = 8_000_000;
    /** Generous for a loaded 2-core machine: a cold child JVM can take long to start. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @RegisterExtension
    final ExternalProcess.Tracker processes = new ExternalProcess.Tracker();

    private ExternalProcess child;
    private int queries;

    /** The child's used heap after GC and its body budget's reserved bytes. */
    private long[] measure() {
        String id = "q" + (++queries);
        child.write("heap " + id + "\n");
        String output = child.awaitOutput("heap " + id + " ", PATIENCE);
        Matcher m = Pattern.compile("heap " + id + " (\\d+) (\\d+)").matcher(output);
        await("the child's answer to " + id).atMost(PATIENCE).until(() -> m.reset(child.output()).find());
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    @Test
    void hundredsOfOneByteBodiesDeclaringEightMegabytesKeepTheHeapFlatAndOthersServed() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        child = processes.start(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                BodyFloodServerMain.class.getName());
        String started = child.awaitOutput("PORT ", PATIENCE);
        Matcher portLine = Pattern.compile("PORT (\\d+)").matcher(started);
        await().atMost(PATIENCE).until(() -> portLine.reset(child.output()).find());
        int port = Integer.parseInt(portLine.group(1));

        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger answered = new AtomicInteger();
        List<Socket> attackers = new ArrayList<>();
        try (RawClient client = RawClient.connect(port)) {
            for (int i = 0; i < 200; i++) {
                assertEquals("pong", client.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            }
            long heapBefore = measure()[0];

            CompletableFuture<Void> wellBehaved = CompletableFuture.runAsync(() -> {
                RawClient current = RawClient.connect(port);
                try {
                    while (!stop.get()) {
                        long start = System.nanoTime();
                        RawClient.Response response = current.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n").read();
                        latencies.add(System.nanoTime() - start);
                        if (response.body().equals("pong")) {
                            answered.incrementAndGet();
                        }
                        if ("close".equals(response.header("connection"))) {
                            current.close();  // maxKeepAliveRequests reached: a new connection, as a browser would
                            current = RawClient.connect(port);
                        }
                    }
                } finally {
                    current.close();
                }
            });
            byte[] attack = ("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + DECLARED + "\r\n\r\nx")
                    .getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < ATTACKERS; i++) {
                attackers.add(attack(port, attack));
            }
            long expected = (long) ATTACKERS * BodyBuffer.FIRST_CAPACITY;
            await("every attacker's byte has arrived").atMost(PATIENCE).pollInterval(Duration.ofMillis(500))
                    .until(() -> measure()[1] == expected);
            long[] during = measure();
            int answeredDuringFlood = answered.get();
            stop.set(true);
            wellBehaved.get();

            long growth = during[0] - heapBefore;
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            double p50 = sorted.get(sorted.size() / 2) / 1e6;
            double p99 = sorted.get((int) (sorted.size() * 0.99)) / 1e6;
            System.out.printf("BodyFloodTest: %d connections declaring %d bytes and sending 1; child -Xmx256m; "
                            + "heap after GC before %.1f MiB, during %.1f MiB (growth %.1f MiB); body budget %d bytes "
                            + "reserved; keep-alive client: %d requests, p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    ATTACKERS, DECLARED, heapBefore / 1048576.0, during[0] / 1048576.0, growth / 1048576.0,
                    during[1], sorted.size(), p50, p99, sorted.get(sorted.size() - 1) / 1e6);

            assertTrue(growth < 32L * 1024 * 1024, "heap grew by " + growth + " bytes for " + ATTACKERS + " attackers");
            assertTrue(answeredDuringFlood > 0, "the well-behaved client was answered during the flood");
            // Generous: a shared CI machine; before the fix it was seconds, or an OutOfMemoryError.
            assertTrue(p99 < 1000, "keep-alive p99 " + p99 + " ms");
            assertFalse(child.output().contains("OutOfMemoryError"), child.output());
        } finally {
            stop.set(true);
            for (Socket attacker : attackers) {
                attacker.close();
            }
        }
        await("the attackers' memory is given back").atMost(PATIENCE).pollInterval(Duration.ofMillis(500))
                .until(() -> measure()[1] == 0);
    }

    private static Socket attack(int port, byte[] request) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
