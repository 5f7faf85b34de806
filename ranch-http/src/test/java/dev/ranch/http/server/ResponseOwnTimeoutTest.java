package dev.ranch.http.server;

import dev.ranch.http.internal.server.ServerResponse;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.assertStays;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Response#timeout(Duration)}: one response (a server-sent event stream, a long poll)
 * may idle longer, or shorter, than the server's {@code responseTimeout}, and every other
 * response keeps the server's.
 */
class ResponseOwnTimeoutTest {

    /** The server's responseTimeout: shorter than the pause between two events of the stream. */
    private static final Duration SERVER_TIMEOUT = Duration.ofMillis(200);
    private static final long EVENT_EVERY_MS = 300;
    private static final int EVENTS = 5;
    /** The stream's own: far above the pause, so a loaded machine cannot make a write late. */
    private static final Duration STREAM_TIMEOUT = Duration.ofSeconds(5);

    @RegisterExtension
    final ConnectionLog log = new ConnectionLog();
    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    private final CompletableFuture<Response> held = new CompletableFuture<>();

    @AfterEach
    void stopTicking() {
        later.shutdownNow();
    }

    /** Server-sent events: one every {@link #EVENT_EVERY_MS}, then the end; a timeout of its own when given. */
    private void events(Response res, Duration own) {
        if (own != null) {
            res.timeout(own);
        }
        res.header("Content-Type", "text/event-stream");
        res.startChunked();
        res.async();
        for (int i = 1; i <= EVENTS; i++) {
            int n = i;
            later.schedule(() -> {
                res.write("data: " + n + "\n\n");
                if (n == EVENTS) {
                    res.end();
                }
            }, EVENT_EVERY_MS * i, TimeUnit.MILLISECONDS);
        }
    }

    private Router router() {
        return Router.builder()
                .get("/events", (req, res) -> events(res, STREAM_TIMEOUT))
                .get("/events-default", (req, res) -> events(res, null))
                .get("/hold-forever", (req, res) -> {
                    res.async();
                    // From another thread, as a long poll parks its response elsewhere first.
                    later.execute(() -> {
                        res.timeout(Duration.ZERO);
                        held.complete(res);
                    });
                })
                .get("/short", (req, res) -> res.async().timeout(SERVER_TIMEOUT))
                .get("/soon", (req, res) -> res.send("soon"))
                .build();
    }

    private static HttpOptions options(Duration responseTimeout) {
        return HttpOptions.builder().responseTimeout(responseTimeout).build();
    }

    @Test
    void aStreamWithItsOwnTimeoutOutlivesPausesLongerThanTheServersResponseTimeout() {
        try (TestServer server = TestServer.start(router(), options(SERVER_TIMEOUT)); RawClient client = server.connect()) {
            RawClient.Response response = client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(200, response.status);
            StringBuilder expected = new StringBuilder();
            for (int i = 1; i <= EVENTS; i++) {
                expected.append("data: ").append(i).append("\n\n");
            }
            assertEquals(expected.toString(), response.body());
            // The override was this response's: the next one on the connection has the server's again.
            assertEquals("soon", client.send("GET /soon HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    void theSameStreamWithoutItIsCutByTheServersResponseTimeout() {
        try (TestServer server = TestServer.start(router(), options(SERVER_TIMEOUT)); RawClient client = server.connect()) {
            client.send("GET /events-default HTTP/1.1\r\nHost: x\r\n\r\n");
            String received = client.readUntilClosed();
            assertTrue(received.startsWith("HTTP/1.1 200 "), received);
            assertFalse(received.contains("data: 1"), "the first pause is already too long: " + received);
            await().atMost(PATIENCE).until(() -> log.warnings().size() == 1);
            assertTrue(log.warnings().get(0).contains("GET /events-default"), log.warnings().get(0));
        }
    }

    @Test
    void zeroKeepsAResponseWithoutWritesOpenPastTheServersResponseTimeout() throws Exception {
        try (TestServer server = TestServer.start(router(), options(SERVER_TIMEOUT)); RawClient client = server.connect()) {
            client.send("GET /hold-forever HTTP/1.1\r\nHost: x\r\n\r\n");
            Response response = held.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
            assertStays("the held response's connection open at five times the server's responseTimeout",
                    SERVER_TIMEOUT.multipliedBy(5), () -> server.listener.connections().size() == 1);
            response.send("at last");
            assertEquals("at last", client.read().body());
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    @SuppressWarnings("try") // the client only has to exist, never to read
    void aStreamWithoutDeadlineIsStillCutBySendTimeoutWhenItsClientStopsReading() throws Exception {
        Duration send = Duration.ofMillis(600);
        byte[] big = new byte[4 * 1024 * 1024];
        Router router = Router.of((req, res) -> {
            res.timeout(Duration.ZERO);
            res.startChunked();
            res.write(big);
            res.async();
        });
        ListenerOptions.Builder listener = ListenerOptions.builder().sendTimeout(send).sendBufferSize(16 * 1024);
        try (TestServer server = TestServer.start(router, options(SERVER_TIMEOUT), listener);
             Socket client = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            client.setReceiveBufferSize(16 * 1024);
            long started = System.nanoTime();
            OutputStream out = client.getOutputStream();
            out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            await().atMost(PATIENCE).until(() -> server.listener.connections().isEmpty());
            long elapsed = System.nanoTime() - started;
            // Not the responseTimeout (turned off for this response): the stalled output, after sendTimeout.
            assertTrue(elapsed >= send.toNanos(), "cut after " + elapsed / 1_000_000 + " ms");
            assertEquals(List.of(), log.warnings());
        }
    }

    @Test
    void aTimeoutShorterThanTheServersOtherTimeoutsIsKeptPromptly() {
        // The server's timeouts are all long (10 s for a head, 30 s for a response): the connection's
        // timer is pending far out when the short deadline comes and must be brought forward.
        try (TestServer server = TestServer.start(router(), HttpOptions.DEFAULTS); RawClient client = server.connect()) {
            long started = System.nanoTime();
            RawClient.Response response = client.send("GET /short HTTP/1.1\r\nHost: x\r\n\r\n").read();
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertEquals(503, response.status);
            assertTrue(elapsed >= SERVER_TIMEOUT.toMillis() - 50, "answered after " + elapsed + " ms");
            assertTrue(elapsed < HttpOptions.DEFAULTS.requestHeaderTimeout().toMillis() / 2,
                    "answered after " + elapsed + " ms, at the pace of the longer timeouts");
            await().atMost(PATIENCE).until(() -> log.warnings().size() == 1);
            assertTrue(log.warnings().get(0).contains("PT0.2S"), log.warnings().get(0));
        }
    }

    @Test
    void aNegativeTimeoutIsRefused() throws Exception {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Router router = Router.of((req, res) -> {
            try {
                res.timeout(Duration.ofMillis(-1));
            } catch (IllegalArgumentException e) {
                thrown.complete(e);
            }
            res.send("ok");
        });
        try (TestServer server = TestServer.start(router, HttpOptions.DEFAULTS); RawClient client = server.connect()) {
            assertEquals("ok", client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            assertTrue(thrown.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS) instanceof IllegalArgumentException);
        }
        assertThrows(NullPointerException.class, () -> new ServerResponse(null, null).timeout(null));
    }
}
