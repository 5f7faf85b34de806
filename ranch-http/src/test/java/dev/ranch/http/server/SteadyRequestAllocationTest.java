package dev.ranch.http.server;

import dev.ranch.core.test.TestClient;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A steady HTTP/1.1 connection answered synchronously allocates nothing per request on its
 * loop thread: the connection reuses one request/response pair, the parser's fields stay
 * offsets into its own bytes, the router answers a static path with a prepared match, and the
 * head goes out of pre-encoded bytes. Measured with the JVM's per-thread allocation counter on
 * the loop thread, over real loopback sockets, one request at a time and 16 pipelined.
 */
class SteadyRequestAllocationTest {

    private static final int REQUESTS = 20_000;
    private static final int DEPTH = 16;
    /**
     * What the loop may allocate per second of the run, whatever the number of requests: the
     * Date line is formatted again when the second changes (344 B measured: the line, its
     * string for HTTP/2 and the holder), and the connection's deadline timer is scheduled
     * again when its step elapses. Nothing may grow with the number of requests.
     */
    private static final long PER_SECOND_ALLOWANCE = 2048;

    private static final byte[] REQUEST = ("GET /hello HTTP/1.1\r\nHost: localhost\r\n"
            + "User-Agent: allocation-test\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    @Test
    void keepAliveAndPipelinedRequestsAllocateNothingPerRequestOnTheLoop() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        CompletableFuture<Thread> loop = new CompletableFuture<>();
        Router router = Router.builder().get("/hello", (req, res) -> {
            loop.complete(Thread.currentThread());
            res.send("hello, world");
        }).build();
        // No cap on requests per connection: the run must not end in a Connection: close.
        HttpOptions options = HttpOptions.builder().maxKeepAliveRequests(Integer.MAX_VALUE).build();
        try (TestServer server = TestServer.start(router, options);
             TestClient client = TestClient.connect(server.port())) {
            int responseLength = firstResponseLength(client);
            Thread loopThread = loop.join();
            byte[] batch = new byte[REQUEST.length * DEPTH];
            for (int i = 0; i < DEPTH; i++) {
                System.arraycopy(REQUEST, 0, batch, i * REQUEST.length, REQUEST.length);
            }
            // Warm up both paths: class loading, JIT, the JDK's temporary direct buffer cache.
            keepAlive(client, responseLength, REQUESTS);
            pipelined(client, batch, responseLength, REQUESTS);

            long start = System.nanoTime();
            long before = threads.getThreadAllocatedBytes(loopThread.getId());
            keepAlive(client, responseLength, REQUESTS);
            long keepAliveBytes = threads.getThreadAllocatedBytes(loopThread.getId()) - before;
            long keepAliveSeconds = secondsSince(start);

            start = System.nanoTime();
            before = threads.getThreadAllocatedBytes(loopThread.getId());
            pipelined(client, batch, responseLength, REQUESTS);
            long pipelinedBytes = threads.getThreadAllocatedBytes(loopThread.getId()) - before;
            long pipelinedSeconds = secondsSince(start);

            String figures = String.format("loop thread allocated %d B over %d keep-alive requests (%.1f B/request)"
                            + " and %d B over %d pipelined requests (%.1f B/request)",
                    keepAliveBytes, REQUESTS, (double) keepAliveBytes / REQUESTS,
                    pipelinedBytes, REQUESTS, (double) pipelinedBytes / REQUESTS);
            System.out.println(figures);
            // On main this was 576 B per request, 11 MB a run: one object per request fails it.
            assertTrue(keepAliveBytes <= keepAliveSeconds * PER_SECOND_ALLOWANCE, figures);
            assertTrue(pipelinedBytes <= pipelinedSeconds * PER_SECOND_ALLOWANCE, figures);
        }
    }

    /** Whole seconds since {@code start}, rounded up, plus one for the second boundary a run may cross first. */
    private static long secondsSince(long start) {
        long nanos = System.nanoTime() - start;
        return (nanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1) + 1;
    }

    /** Sends one request and reads its response by its framing; returns its length in bytes. */
    private static int firstResponseLength(TestClient client) {
        client.write(REQUEST);
        StringBuilder head = new StringBuilder();
        while (head.indexOf("\r\n\r\n") < 0) {
            head.append((char) client.readExactly(1)[0]);
        }
        String text = head.toString();
        assertTrue(text.startsWith("HTTP/1.1 200 "), text);
        int at = text.toLowerCase().indexOf("content-length: ") + "content-length: ".length();
        int bodyLength = Integer.parseInt(text.substring(at, text.indexOf("\r\n", at)));
        assertEquals("hello, world", new String(client.readExactly(bodyLength), StandardCharsets.US_ASCII));
        return text.length() + bodyLength;
    }

    private static void keepAlive(TestClient client, int responseLength, int n) {
        for (int i = 0; i < n; i++) {
            client.write(REQUEST);
            checkResponses(client.readExactly(responseLength), responseLength);
        }
    }

    private static void pipelined(TestClient client, byte[] batch, int responseLength, int n) {
        for (int i = 0; i < n; i += DEPTH) {
            client.write(batch);
            checkResponses(client.readExactly(responseLength * DEPTH), responseLength);
        }
    }

    private static final byte[] STATUS_LINE = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Each response of a run starts where the previous one ended, with a 200 status line. */
    private static void checkResponses(byte[] bytes, int responseLength) {
        for (int at = 0; at < bytes.length; at += responseLength) {
            if (!Arrays.equals(bytes, at, at + STATUS_LINE.length, STATUS_LINE, 0, STATUS_LINE.length)) {
                throw new AssertionError("not a 200 at byte " + at + ": "
                        + new String(bytes, at, Math.min(60, bytes.length - at), StandardCharsets.US_ASCII));
            }
        }
    }
}
