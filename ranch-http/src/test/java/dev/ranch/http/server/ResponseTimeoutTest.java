package dev.ranch.http.server;

import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code responseTimeout}: a handler that never answers does not hold its connection for
 * ever. The client gets 503 (or, once a response is under way, a cut connection), and the
 * log one WARN line naming the connection and the request.
 */
class ResponseTimeoutTest {

    private static final Duration TIMEOUT = Duration.ofMillis(400);
    private static final String GET_NEVER = "GET /never HTTP/1.1\r\nHost: x\r\n\r\n";

    @RegisterExtension
    final ConnectionLog log = new ConnectionLog();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService blocking = Executors.newCachedThreadPool();
    private final CountDownLatch never = new CountDownLatch(1);
    private final CompletableFuture<Response> abandoned = new CompletableFuture<>();

    @AfterEach
    void releaseThreads() {
        never.countDown();
        later.shutdownNow();
        blocking.shutdownNow();
    }

    private Router router() {
        return Router.builder()
                .get("/never", (req, res) -> abandoned.complete(res.async()))
                .get("/blocked", HttpHandler.blocking((req, res) -> never.await()))
                .get("/stalled-stream", (req, res) -> {
                    res.startChunked();
                    res.write("first");
                    res.async();  // and no more
                })
                .get("/ticking-stream", (req, res) -> {
                    res.startChunked();
                    res.async();
                    // A write every 100 ms for 1 s: each is in time though the whole is not.
                    for (int i = 1; i <= 10; i++) {
                        int n = i;
                        later.schedule(() -> {
                            res.write("tick" + n + " ");
                            if (n == 10) {
                                res.end();
                            }
                        }, 100L * i, TimeUnit.MILLISECONDS);
                    }
                })
                .get("/soon", (req, res) -> {
                    res.async();
                    later.schedule(() -> res.send("soon"), 100, TimeUnit.MILLISECONDS);
                })
                .get("/late", (req, res) -> {
                    res.async();
                    later.schedule(() -> res.send("late"), 3 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                })
                .build();
    }

    private HttpOptions options(Duration responseTimeout) {
        return HttpOptions.builder().responseTimeout(responseTimeout).blockingExecutor(blocking).build();
    }

    private void assertAnswered503AndClosed(String request) {
        try (TestServer server = TestServer.start(router(), options(TIMEOUT)); RawClient client = server.connect()) {
            long start = System.nanoTime();
            RawClient.Response response = client.send(request).read();
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(503, response.status);
            assertEquals("close", response.header("connection"));
            assertTrue(elapsed >= TIMEOUT.toMillis() - 50, "answered after " + elapsed + " ms, before the timeout");
            assertTrue(client.isClosedByPeer());
            List<String> warnings = log.warnings();
            assertEquals(1, warnings.size(), warnings.toString());
            String path = request.substring(4, request.indexOf(" HTTP/"));
            assertTrue(warnings.get(0).contains("GET " + path), warnings.get(0));
            assertTrue(warnings.get(0).contains("connection "), warnings.get(0));
        }
    }

    @Test
    void anAsyncResponseNeverCompletedIsAnswered503AndTheConnectionClosed() throws Exception {
        assertAnswered503AndClosed(GET_NEVER);
        // The handler answering afterwards is a quiet no-op: no exception, no second line.
        Response late = abandoned.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        late.send("too late");
        assertEquals(1, log.warnings().size(), log.warnings().toString());
    }

    @Test
    void aStreamStartedAfterTheTimeoutIsDroppedSilently() throws Exception {
        try (TestServer server = TestServer.start(router(), options(TIMEOUT)); RawClient client = server.connect()) {
            // A pipelined request behind it keeps the connection open a moment after the 503 (it lingers).
            RawClient.Response response = client.send(GET_NEVER + "GET /soon HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(503, response.status);
            Response late = abandoned.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            late.startChunked();
            late.write("too late");
            late.end();
            assertStays("the timeout is the only WARN", () -> log.warnings().size() == 1);
        }
    }

    @Test
    void aBlockingHandlerThatNeverReturnsIsAnswered503() {
        assertAnswered503AndClosed("GET /blocked HTTP/1.1\r\nHost: x\r\n\r\n");
    }

    @Test
    void aStreamedResponseThatStopsWritingIsCut() {
        try (TestServer server = TestServer.start(router(), options(TIMEOUT)); RawClient client = server.connect()) {
            client.send("GET /stalled-stream HTTP/1.1\r\nHost: x\r\n\r\n");
            String received = client.readUntilClosed();
            assertTrue(received.startsWith("HTTP/1.1 200 "), received);
            assertTrue(received.contains("first"), received);
            // Cut, not ended: a client can tell the body is incomplete.
            assertFalse(received.endsWith("0\r\n\r\n"), received);
            await().atMost(PATIENCE).until(() -> log.warnings().size() == 1);
            assertTrue(log.warnings().get(0).contains("GET /stalled-stream"), log.warnings().get(0));
        }
    }

    @Test
    void aStreamedResponseThatKeepsWritingOutlivesTheTimeout() {
        try (TestServer server = TestServer.start(router(), options(TIMEOUT)); RawClient client = server.connect()) {
            RawClient.Response response = client.send("GET /ticking-stream HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertTrue(response.body().startsWith("tick1 ") && response.body().endsWith("tick10 "), response.body());
            assertEquals("soon", client.send("GET /soon HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    void aStreamedAnswerToHeadThatKeepsWritingOutlivesTheTimeout() {
        // RFC 9110 section 9.3.2: HEAD is answered as GET would be, without the body; the handler's
        // writes are dropped from the wire but still show it is alive.
        try (TestServer server = TestServer.start(router(), options(TIMEOUT)); RawClient client = server.connect()) {
            RawClient.Response response = client.send("HEAD /ticking-stream HTTP/1.1\r\nHost: x\r\n\r\n").read(true);
            assertEquals(200, response.status);
            assertEquals("soon", client.send("GET /soon HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    void anAnswerInTimeKeepsTheConnectionAlive() {
        try (TestServer server = TestServer.start(router(), options(TIMEOUT)); RawClient client = server.connect()) {
            for (int i = 0; i < 3; i++) {
                RawClient.Response response = client.send("GET /soon HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertEquals("soon", response.body());
                assertEquals(null, response.header("connection"));
            }
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    void zeroTurnsTheResponseTimeoutOff() {
        try (TestServer server = TestServer.start(router(), options(Duration.ZERO)); RawClient client = server.connect()) {
            // Answered at three times what the timeout in the other tests is.
            assertEquals("late", client.send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    void aBlockingHandlerRunOnTheCallingThreadLeavesTheIdleTimeoutArmed() {
        // An executor may run a task in the caller (a direct executor, CallerRunsPolicy when saturated):
        // the response is then complete before runBlocking returns, and no response deadline may follow it.
        Router direct = Router.builder()
                .get("/direct", HttpHandler.blocking((req, res) -> res.send("direct")))
                .build();
        HttpOptions options = HttpOptions.builder().blockingExecutor(Runnable::run)
                .idleTimeout(Duration.ofMillis(300)).build();
        try (TestServer server = TestServer.start(direct, options); RawClient client = server.connect()) {
            assertEquals("direct", client.send("GET /direct HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            // The idle timeout closes the kept-alive connection (the read would time out if it did not).
            assertTrue(client.isClosedByPeer());
            assertEquals(List.of(), log.warnings());
        }
    }
}
