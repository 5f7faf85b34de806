package dev.ranch.http.server;

import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.test.Bytes;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keep-alive idle timeout counts the client's silence before its next request, which only
 * begins once our response has left: a client that reads a long response slowly but steadily
 * gets all of it however long it takes, and a client that stops reading is cut by the core's
 * {@code sendTimeout} instead, so nothing holds a connection forever.
 */
class SlowReaderTest {

    /** With {@code closeTimeout}, a response outlasting both was truncated when idle fired at its queuing. */
    private static final Duration IDLE = Duration.ofMillis(200);
    private static final Duration CLOSE = Duration.ofMillis(200);
    /** Never reached by the steady reader, which takes something every {@link #PACE}. */
    private static final Duration SEND = Duration.ofSeconds(1);
    private static final Duration PACE = Duration.ofMillis(25);
    private static final int STEP = 32 * 1024;
    private static final int SMALL_BUFFER = 16 * 1024;
    private static final byte[] PAYLOAD = Bytes.random(1536 * 1024, 13);

    @TempDir
    Path dir;

    @Test
    void aSlowSteadyReaderGetsAllOfASentBodyThatOutlastsIdleAndCloseTimeouts() throws Exception {
        assertSlowReaderServedWhole((req, res) -> res.send(PAYLOAD));
    }

    @Test
    void aSlowSteadyReaderGetsAllOfASentFileThatOutlastsIdleAndCloseTimeouts() throws Exception {
        Path file = Files.write(dir.resolve("big.bin"), PAYLOAD);
        assertSlowReaderServedWhole((req, res) -> res.sendFile(file));
    }

    @Test
    void aSlowSteadyReaderGetsAllOfAResponseAfterWhichTheConnectionCloses() throws Exception {
        // Connection: close ends the connection after this answer, and the close used to wait only
        // closeTimeout for it to leave.
        try (TestServer server = start(Router.of((req, res) -> res.send(PAYLOAD)), SEND);
             Socket client = client(server)) {
            request(client, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertSlowlyReadWhole(client);
            assertClosedQuietlyLater(client);
        }
    }

    @Test
    void aSlowSteadyReaderGetsAPipelinedAnswerQueuedBehindALongResponse() throws Exception {
        Router router = Router.builder()
                .route("/big", (req, res) -> res.send(PAYLOAD))
                .route("/small", (req, res) -> res.send("small"))
                .build();
        try (TestServer server = start(router, SEND);
             Socket client = client(server)) {
            request(client, "GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\n");
            assertSlowlyReadWhole(client);
            InputStream in = client.getInputStream();
            assertEquals(5, contentLength(in));
            assertEquals("small", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
            assertClosedQuietlyLater(client);
        }
    }

    @Test
    void aSlowSteadyReaderIsNotCutByTheListenersOwnIdleTimeoutEither() throws Exception {
        // The listener's idle timeout counts reads only. Watermarks above the response keep the
        // connection writable, so reads are never paused for backpressure (which would also keep
        // that timer quiet) and only the pending output tells that the client is not idle.
        ListenerOptions.Builder listener = ListenerOptions.builder().idleTimeout(IDLE).closeTimeout(CLOSE)
                .sendTimeout(SEND).sendBufferSize(SMALL_BUFFER)
                .writeHighWatermark(4 * PAYLOAD.length).writeLowWatermark(2 * PAYLOAD.length);
        try (TestServer server = TestServer.start(Router.of((req, res) -> res.send(PAYLOAD)),
                HttpOptions.builder().idleTimeout(PATIENCE).build(), listener);
             Socket client = client(server)) {
            request(client, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertSlowlyReadWhole(client);
            assertClosedQuietlyLater(client);
        }
    }

    @Test
    void aClientThatStopsReadingIsCutBySendTimeoutNotByTheIdleTimeout() throws Exception {
        assertStalledReaderCutBySendTimeout("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    @Test
    void aClientThatStopsReadingALastAnswerIsCutBySendTimeoutNotByTheCloseTimeout() throws Exception {
        assertStalledReaderCutBySendTimeout("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    }

    @Test
    @SuppressWarnings("try") // the client only has to exist, never to read
    void withoutASendTimeoutTheIdleTimeoutStillEndsAResponseNobodyReads() throws Exception {
        try (TestServer server = start(Router.of((req, res) -> res.send(PAYLOAD)), Duration.ZERO);
             Socket client = client(server)) {
            request(client, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            await().atMost(PATIENCE).until(() -> server.listener.connections().size() == 1);
            // Nothing else would bound the wait for output, so the idle timeout does not wait.
            await().atMost(PATIENCE).until(() -> server.listener.connections().isEmpty());
        }
    }

    @SuppressWarnings("try") // the client only has to exist, never to read
    private static void assertStalledReaderCutBySendTimeout(String request) throws Exception {
        Duration send = Duration.ofMillis(600);
        try (TestServer server = start(Router.of((req, res) -> res.send(PAYLOAD)), send);
             Socket client = client(server)) {
            request(client, request);
            await().atMost(PATIENCE).until(() -> server.listener.connections().size() == 1);
            long started = System.nanoTime();
            // Idle plus close timeout would have ended it by now; the stalled output keeps it open.
            assertStays("a stalled response's connection open until the send timeout", IDLE.plus(CLOSE).plusMillis(100),
                    () -> server.listener.connections().size() == 1);
            await().atMost(PATIENCE).until(() -> server.listener.connections().isEmpty());
            long elapsed = System.nanoTime() - started;
            assertTrue(elapsed >= send.toNanos(), "cut after " + elapsed / 1_000_000 + " ms");
            System.out.printf("a client that never reads a %d-byte answer (%s) was cut %d ms after its request"
                    + " (idleTimeout %d ms, closeTimeout %d ms, sendTimeout %d ms)%n", PAYLOAD.length,
                    request.contains("close") ? "Connection: close" : "keep-alive",
                    elapsed / 1_000_000, IDLE.toMillis(), CLOSE.toMillis(), send.toMillis());
        }
    }

    private static void assertSlowReaderServedWhole(HttpHandler handler) throws Exception {
        try (TestServer server = start(Router.of(handler), SEND);
             Socket client = client(server)) {
            request(client, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertSlowlyReadWhole(client);
            assertClosedQuietlyLater(client);
        }
    }

    private static TestServer start(Router router, Duration sendTimeout) {
        return TestServer.start(router, HttpOptions.builder().idleTimeout(IDLE).build(),
                ListenerOptions.builder().closeTimeout(CLOSE).sendTimeout(sendTimeout).sendBufferSize(SMALL_BUFFER));
    }

    private static Socket client(TestServer server) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setReceiveBufferSize(SMALL_BUFFER);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 5000);
            socket.setSoTimeout((int) PATIENCE.toMillis());
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static void request(Socket client, String text) throws IOException {
        client.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        client.getOutputStream().flush();
    }

    /** Reads the head, then the body {@link #STEP} at a time every {@link #PACE}, and checks every byte. */
    private static void assertSlowlyReadWhole(Socket client) throws IOException {
        InputStream in = client.getInputStream();
        assertEquals(PAYLOAD.length, contentLength(in));
        byte[] received = new byte[PAYLOAD.length];
        int total = 0;
        long started = System.nanoTime();
        while (total < received.length) {
            int n = in.read(received, total, Math.min(STEP, received.length - total));
            assertTrue(n > 0, "the server closed after " + total + " of " + received.length + " bytes");
            total += n;
            LockSupport.parkNanos(PACE.toNanos());
        }
        long took = System.nanoTime() - started;
        assertArrayEquals(PAYLOAD, received);
        // Otherwise the response never outlasted the timeouts, and this proved nothing.
        assertTrue(took > 2 * IDLE.plus(CLOSE).toNanos(), "read too fast: " + took / 1_000_000 + " ms");
    }

    /** Once the answers are read and nothing more is asked, the idle timeout still closes, quietly. */
    private static void assertClosedQuietlyLater(Socket client) throws IOException {
        assertEquals(-1, client.getInputStream().read(), "bytes after the last answer");
    }

    /** Reads a response head byte by byte and returns its Content-Length. */
    private static int contentLength(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            assertTrue(b >= 0, "closed inside a response head: " + head);
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        assertTrue(text.startsWith("HTTP/1.1 200 "), text);
        return Arrays.stream(text.split("\r\n"))
                .filter(line -> line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                .mapToInt(line -> Integer.parseInt(line.substring(line.indexOf(':') + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Content-Length in " + text));
    }
}
