package dev.ranch.http.server;

import dev.ranch.http.internal.server.BodyBudget;
import dev.ranch.http.BodyHandler;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.Request;
import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A body must arrive within {@code requestBodyTimeout} plus what its bytes earn at {@code
 * minBodyRate}: a trickler is answered 408 and cut, an honest slow upload is not.
 */
class BodyDeadlineTest {

    private static final Duration BODY_TIMEOUT = Duration.ofMillis(600);

    private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopPacer() {
        pacer.shutdownNow();
    }

    private static Router router() {
        BodyHandler streamed = new BodyHandler() {
            @Override
            public void onHead(Request request, Response response) {
                // answers at the end
            }

            @Override
            public void onBody(Request request, Response response, ByteBuffer data) {
                data.position(data.limit());
            }

            @Override
            public void onEnd(Request request, Response response) {
                response.send("streamed");
            }
        };
        return Router.builder()
                .post("/upload", (req, res) -> res.send("got " + req.body().length))
                .post("/stream", HttpHandler.streaming(streamed))
                .build();
    }

    /**
     * Sends {@code piece} to {@code client} every {@code period}, {@code count} times: a trickle
     * is paced, not waited on. A send the server refuses (it closed) ends the schedule.
     */
    private ScheduledFuture<?> trickle(RawClient client, byte[] piece, Duration period, int count) {
        AtomicInteger sent = new AtomicInteger();
        return pacer.scheduleAtFixedRate(() -> {
            if (sent.getAndIncrement() < count) {
                client.send(piece);
            }
        }, 0, period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void assertTricklerCut(String path) {
        BodyBudget budget = new BodyBudget(1L << 30);
        HttpOptions options = HttpOptions.builder().requestBodyTimeout(BODY_TIMEOUT).build();
        try (TestServer server = TestServer.start(router(), options, budget); RawClient client = server.connect()) {
            long start = System.nanoTime();
            client.send("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
            // One byte every 50 ms: far within idleTimeout (60 s) between pieces, far below the minimum rate.
            ScheduledFuture<?> sender = trickle(client, new byte[] {'y'}, Duration.ofMillis(50), 100_000);
            RawClient.Response response = client.read();
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            sender.cancel(false);
            assertEquals(408, response.status);
            assertEquals("close", response.header("connection"));
            assertTrue(elapsed >= BODY_TIMEOUT.toMillis() - 50, "cut after " + elapsed + " ms, before the timeout");
            assertTrue(client.isClosedByPeer());
            await().atMost(PATIENCE).until(() -> budget.reserved() == 0);
        }
    }

    @Test
    void aBodyTrickledByteByByteIsAnswered408AtTheBodyTimeout() {
        assertTricklerCut("/upload");
    }

    @Test
    void aStreamedBodyTrickledByteByByteIsCutToo() {
        assertTricklerCut("/stream");
    }

    @Test
    void aBodyArrivingAboveTheMinimumRateMayTakeLongerThanTheBodyTimeout() {
        HttpOptions options = HttpOptions.builder().requestBodyTimeout(BODY_TIMEOUT).minBodyRate(8 * 1024).build();
        int pieces = 40;
        int pieceSize = 4 * 1024;
        try (TestServer server = TestServer.start(router(), options); RawClient client = server.connect()) {
            long start = System.nanoTime();
            client.send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: " + pieces * pieceSize + "\r\n\r\n");
            // 4 KiB every 50 ms is 80 KiB/s, ten times the minimum: each piece earns 500 ms, takes 50.
            ScheduledFuture<?> sender = trickle(client, new byte[pieceSize], Duration.ofMillis(50), pieces);
            RawClient.Response response = client.read();
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            sender.cancel(false);
            assertEquals(200, response.status, response.toString());
            assertEquals("got " + pieces * pieceSize, response.body());
            assertTrue(elapsed > BODY_TIMEOUT.toMillis(), "the upload outlasted the plain timeout: " + elapsed + " ms");
        }
    }
}
