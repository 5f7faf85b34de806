package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.http.BodyHandler;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.Request;
import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of handler and response of HTTP/1.1, carried by HTTP/2 streams over h2c. */
class Http2ExchangeTest {

    @TestRanch
    Ranch ranch;

    @TempDir
    Path dir;

    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final AtomicInteger streamedBytes = new AtomicInteger();

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    private int start(HttpOptions options) {
        BodyHandler counting = new BodyHandler() {
            @Override
            public void onHead(Request request, Response response) {
                streamedBytes.set(0);
            }

            @Override
            public void onBody(Request request, Response response, ByteBuffer data) {
                streamedBytes.addAndGet(data.remaining());
            }

            @Override
            public void onEnd(Request request, Response response) {
                response.send("streamed " + streamedBytes.get() + " trailer " + request.trailers().get("checksum"));
            }
        };
        Router router = Router.builder()
                .get("/hello", (req, res) -> res.send("hello " + req.version() + " " + req.host()))
                .post("/echo", (req, res) -> res.header("Content-Type", "application/octet-stream").send(req.body()))
                .get("/async", (req, res) -> {
                    res.async();
                    executor.execute(() -> res.status(202).send("later"));
                })
                .get("/blocking", HttpHandler.blocking((req, res) -> res.send("on " + Thread.currentThread().getName())))
                .post("/stream", HttpHandler.streaming(counting))
                .get("/chunks", (req, res) -> {
                    res.startChunked();
                    res.write("one ");
                    res.write("two");
                    res.end();
                })
                .get("/file", (req, res) -> res.sendFile(dir.resolve("file.bin")))
                .get("/fails", (req, res) -> {
                    throw new IllegalStateException("handler bug (expected by the test)");
                })
                .get("/never", (req, res) -> res.async())
                .get("/never-own", (req, res) -> res.async().timeout(Duration.ofMillis(100)))
                .build();
        Listener listener = HttpServer.start(ranch, "h2", Loopback.options().build(), router, options);
        return listener.port();
    }

    private int start() {
        return start(HttpOptions.builder().blockingExecutor(executor).build());
    }

    @Test
    void aGetIsAnsweredOnItsStreamAndTheRequestSaysHttp2() {
        try (FrameClient c = FrameClient.handshake(start())) {
            c.get(1, "/hello");
            FrameClient.Response r = c.response(1);
            assertEquals(200, r.status());
            assertEquals("hello 20 localhost", r.bodyText());
            assertEquals("18", r.headers.get("content-length"));
            assertTrue(r.headers.containsKey("date"));
        }
    }

    @Test
    void aPostBodyIsAggregatedAndEchoed() {
        byte[] body = new byte[100_000];
        new java.util.Random(7).nextBytes(body);
        try (FrameClient c = FrameClient.handshake(start())) {
            c.request(1, "POST", "/echo", false, "content-length", "100000");
            for (int i = 0; i < body.length; i += 16_384) {
                int n = Math.min(16_384, body.length - i);
                c.data(1, java.util.Arrays.copyOfRange(body, i, i + n), i + n == body.length);
            }
            assertArrayEquals(body, c.response(1).body.toByteArray());
        }
    }

    @Test
    void asyncAndBlockingHandlersAnswerFromOtherThreads() {
        try (FrameClient c = FrameClient.handshake(start())) {
            c.get(1, "/async");
            c.get(3, "/blocking");
            FrameClient.Response async = c.response(1);
            assertEquals(202, async.status());
            assertEquals("later", async.bodyText());
            assertTrue(c.response(3).bodyText().startsWith("on pool-"));
        }
    }

    @Test
    void aStreamingHandlerGetsTheBodyInPiecesAndTheTrailers() {
        try (FrameClient c = FrameClient.handshake(start())) {
            c.request(1, "POST", "/stream", false);
            c.data(1, new byte[5000], false);
            c.data(1, new byte[3000], false);
            c.headers(1, true, "checksum", "42");
            assertEquals("streamed 8000 trailer 42", c.response(1).bodyText());
        }
    }

    @Test
    void aChunkedResponseIsDataFramesWithoutContentLength() {
        try (FrameClient c = FrameClient.handshake(start())) {
            c.get(1, "/chunks");
            FrameClient.Response r = c.response(1);
            assertEquals("one two", r.bodyText());
            assertNull(r.headers.get("content-length"));
        }
    }

    @Test
    void headGetsTheHeadAloneWithTheLengthAGetWouldHave() {
        try (FrameClient c = FrameClient.handshake(start())) {
            c.request(1, "HEAD", "/hello", true);
            FrameClient.Response r = c.response(1);
            assertEquals(200, r.status());
            assertEquals("18", r.headers.get("content-length"));
            assertEquals(0, r.body.size());
        }
    }

    @Test
    void expectContinueGetsAnInterim100BeforeTheBody() {
        try (FrameClient c = FrameClient.handshake(start())) {
            c.request(1, "POST", "/echo", false, "expect", "100-continue", "content-length", "2");
            FrameClient.Frame interim = c.expect(f -> f.type == FrameType.HEADERS);
            assertEquals("100", interim.fields.get(":status"));
            c.data(1, "hi".getBytes(StandardCharsets.US_ASCII), true);
            assertEquals("hi", c.response(1).bodyText());
        }
    }

    @Test
    void aFileLargerThanTheWindowsIsSentAsDataFrames() throws Exception {
        byte[] content = new byte[300_000];
        new java.util.Random(3).nextBytes(content);
        Files.write(dir.resolve("file.bin"), content);
        try (FrameClient c = FrameClient.handshake(start())) {
            c.get(1, "/file");
            FrameClient.Response r = c.response(1);
            assertEquals("300000", r.headers.get("content-length"));
            assertArrayEquals(content, r.body.toByteArray());
        }
    }

    @Test
    void theRouterAnswers404And405AndAFailingHandler500OnItsStreamOnly() {
        try (FrameClient c = FrameClient.handshake(start())) {
            c.get(1, "/nowhere");
            assertEquals(404, c.response(1).status());
            c.request(3, "DELETE", "/hello", true);
            FrameClient.Response r = c.response(3);
            assertEquals(405, r.status());
            assertEquals("GET, HEAD", r.headers.get("allow"));
            c.get(5, "/fails");
            assertEquals(500, c.response(5).status());
            c.get(7, "/hello");
            assertEquals(200, c.response(7).status());
        }
    }

    @Test
    void aHandlerThatNeverAnswersGets503AfterTheResponseTimeoutAndOthersCarryOn() {
        int port = start(HttpOptions.builder().responseTimeout(Duration.ofMillis(200)).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            c.get(1, "/never");
            c.get(3, "/never-own");
            c.get(5, "/hello");
            assertEquals(200, c.response(5).status());
            assertEquals(503, c.response(3).status());
            assertEquals(503, c.response(1).status());
        }
    }

    @Test
    void aTrickledBodyGets408OnItsStreamAndTheConnectionCarriesOn() {
        int port = start(HttpOptions.builder().requestBodyTimeout(Duration.ofMillis(300)).minBodyRate(0).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            c.request(1, "POST", "/echo", false, "content-length", "10");
            c.data(1, "12".getBytes(StandardCharsets.US_ASCII), false);
            FrameClient.Response r = c.response(1);
            assertEquals(408, r.status());
            FrameClient.Frame reset = c.expect(f -> f.type == FrameType.RST_STREAM && f.stream == 1);
            assertEquals(ErrorCode.NO_ERROR, reset.errorCode(), "the client is told to stop sending (RFC 9113 §8.1)");
            c.get(3, "/hello");
            assertEquals(200, c.response(3).status());
        }
    }
}
