package dev.ranch.http.server;

import dev.ranch.http.internal.server.BodyBudget;
import dev.ranch.http.internal.server.BodyBuffer;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Aggregated request bodies: memory that grows with the bytes received, never with the
 * declared length, within one budget shared by every connection of the server, and given
 * back however the request ends.
 */
class BufferedBodyTest {

    private static final long LARGE_BUDGET = 1L << 30;

    private static Router router() {
        return Router.builder()
                .post("/upload", (req, res) -> res.send("got " + req.body().length + " sum " + sum(req.body())))
                .post("/crash", (req, res) -> {
                    throw new IllegalStateException("handler failure the test provokes");
                })
                .post("/hold", (req, res) -> res.async())  // never answered
                .get("/ok", (req, res) -> res.send("ok"))
                .build();
    }

    private static long sum(byte[] bytes) {
        long s = 0;
        for (byte b : bytes) {
            s += b & 0xff;
        }
        return s;
    }

    private static String head(String path, long contentLength) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + contentLength + "\r\n\r\n";
    }

    private static Socket open(int port) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Socket socket, String text) {
        write(socket, text.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void write(Socket socket, byte[] bytes) {
        try {
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void closeAll(List<Socket> sockets, boolean reset) {
        for (Socket socket : sockets) {
            try {
                if (reset) {
                    socket.setSoLinger(true, 0);
                }
                socket.close();
            } catch (IOException ignored) {
                // the server may have closed it first
            }
        }
    }

    @Test
    void aDeclaredEightMegabyteBodyCostsOnlyWhatHasArrived() {
        BodyBudget budget = new BodyBudget(LARGE_BUDGET);
        int connections = 300;
        List<Socket> sockets = new ArrayList<>();
        try (TestServer server = TestServer.start(router(), HttpOptions.DEFAULTS, budget)) {
            for (int i = 0; i < connections; i++) {
                Socket socket = open(server.port());
                sockets.add(socket);
                write(socket, head("/upload", 8_000_000) + "x");
            }
            // Each connection holds its first small buffer, not the 8 MB it declared (2.4 GB in all).
            assertStays("every connection holds one first buffer", () ->
                    budget.reserved() == (long) connections * BodyBuffer.FIRST_CAPACITY);
            closeAll(sockets, false);
            await("the memory comes back as the connections close").atMost(PATIENCE)
                    .until(() -> budget.reserved() == 0);
        } finally {
            closeAll(sockets, true);
        }
    }

    @Test
    void aBodyTheBudgetCannotCoverIsAnswered503WithRetryAfterAndOthersAreStillServed() {
        BodyBudget budget = new BodyBudget(64 * 1024);
        HttpOptions options = HttpOptions.builder().maxBufferedBodyBytes(budget.limit()).build();
        byte[] big = new byte[60_000];
        Arrays.fill(big, (byte) 7);
        try (TestServer server = TestServer.start(router(), options, budget);
             RawClient holder = server.connect(); RawClient refused = server.connect()) {
            // All but the last byte: the holder's buffer now takes most of the budget.
            holder.send(head("/upload", big.length)).send(Arrays.copyOf(big, big.length - 1));
            await("the first upload holds most of the budget").atMost(PATIENCE)
                    .until(() -> budget.reserved() >= big.length - 1);

            RawClient.Response response = refused.send(head("/upload", 10_000)).send(new byte[10_000]).read();
            assertEquals(503, response.status);
            assertEquals("5", response.header("retry-after"));
            assertEquals("close", response.header("connection"));
            assertTrue(refused.isClosedByPeer());

            // The connection holding the budget is not disturbed, and its memory comes back after it.
            holder.send(Arrays.copyOfRange(big, big.length - 1, big.length));
            assertEquals("got 60000 sum " + 7 * 60_000, holder.read().body());
            await("the finished request gave its memory back").atMost(PATIENCE).until(() -> budget.reserved() == 0);
            try (RawClient next = server.connect()) {
                assertEquals("got 10000 sum 0", next.send(head("/upload", 10_000)).send(new byte[10_000]).read().body());
            }
        }
    }

    @Test
    void theBudgetReturnsToZeroAfterManyAbortedUploads() {
        BodyBudget budget = new BodyBudget(LARGE_BUDGET);
        List<Socket> sockets = new ArrayList<>();
        try (TestServer server = TestServer.start(router(), HttpOptions.DEFAULTS, budget)) {
            for (int i = 0; i < 240; i++) {
                Socket socket = open(server.port());
                sockets.add(socket);
                int sent = 1 + (i * 7919) % 50_000;
                if (i % 2 == 0) {
                    write(socket, head("/upload", 100_000) + "y".repeat(sent));  // cut mid-body
                } else if (i % 40 == 1) {
                    write(socket, head("/crash", sent) + "y".repeat(sent));  // the handler throws (a few: each logs)
                } else {
                    write(socket, head("/hold", sent) + "y".repeat(sent));  // never answered
                }
            }
            await("every connection holds some body memory").atMost(PATIENCE)
                    .until(() -> budget.reserved() >= 240);
            // Half leave with a reset, half with a FIN; none completes a request normally.
            closeAll(sockets.subList(0, 120), true);
            closeAll(sockets.subList(120, 240), false);
            await("every reservation is given back").atMost(PATIENCE).until(() -> budget.reserved() == 0);
            try (RawClient client = server.connect()) {
                assertEquals("ok", client.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            }
        } finally {
            closeAll(sockets, true);
        }
    }

    @Test
    void bodiesQueuedForABlockingHandlerStayCountedAfterTheirClientsLeave() throws InterruptedException {
        // The executor's queue holds each task, and each task its request's body, whether or not the
        // client is still there: that memory must stay in the budget until the task has run, or a crowd
        // that uploads and leaves would fill the heap behind a budget that reads zero.
        BodyBudget budget = new BodyBudget(LARGE_BUDGET);
        CountDownLatch gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        AtomicInteger submitted = new AtomicInteger();
        Executor counting = task -> {
            submitted.incrementAndGet();
            pool.execute(task);
        };
        Router router = Router.builder()
                .post("/slow", HttpHandler.blocking((req, res) -> {
                    gate.await();
                    res.send("got " + req.body().length);
                }))
                .build();
        HttpOptions options = HttpOptions.builder().blockingExecutor(counting).build();
        int uploads = 3;
        int size = 100_000;
        List<Socket> sockets = new ArrayList<>();
        try (TestServer server = TestServer.start(router, options, budget)) {
            for (int i = 0; i < uploads; i++) {
                Socket socket = open(server.port());
                sockets.add(socket);
                write(socket, head("/slow", size));
                write(socket, new byte[size]);
            }
            await("every upload is handed to the executor").atMost(PATIENCE).until(() -> submitted.get() == uploads);
            closeAll(sockets, false);
            await("the server saw every client leave").atMost(PATIENCE)
                    .until(() -> server.listener.connections().isEmpty());
            assertStays("the queued bodies are still counted", () -> budget.reserved() == (long) uploads * size);
            gate.countDown();
            await("each task gives its body back when it has run").atMost(PATIENCE)
                    .until(() -> budget.reserved() == 0);
        } finally {
            gate.countDown();
            pool.shutdownNow();
            closeAll(sockets, true);
        }
    }

    @Test
    void aChunkedBodyLargerThanTheFirstBufferArrivesWholeAndIsReleasedWhenAnswered() {
        BodyBudget budget = new BodyBudget(LARGE_BUDGET);
        byte[] body = new byte[100_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        try (TestServer server = TestServer.start(router(), HttpOptions.DEFAULTS, budget);
             RawClient client = server.connect()) {
            client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int from = 0; from < body.length; from += 3000) {
                int n = Math.min(3000, body.length - from);
                client.send(Integer.toHexString(n) + "\r\n").send(Arrays.copyOfRange(body, from, from + n)).send("\r\n");
            }
            RawClient.Response response = client.send("0\r\n\r\n").read();
            assertEquals("got 100000 sum " + sum(body), response.body());
            // The connection stays open; the request is over, so its memory is back.
            await().atMost(PATIENCE).until(() -> budget.reserved() == 0);
            assertEquals("ok", client.send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
        }
    }

    @Test
    void streamedBodiesTakeNothingFromTheBudget() {
        Router router = Router.builder().post("/stream", HttpHandler.streaming(new CountingBodyHandler())).build();
        // A budget too small for even one first buffer.
        BodyBudget budget = new BodyBudget(1024);
        HttpOptions options = HttpOptions.builder().maxBufferedBodyBytes(budget.limit()).build();
        try (TestServer server = TestServer.start(router, options, budget); RawClient client = server.connect()) {
            RawClient.Response response = client.send(head("/stream", 1_000_000)).send(new byte[1_000_000]).read();
            assertEquals("received 1000000 trailer null", response.body());
            assertEquals(0, budget.reserved());
        }
    }
}
