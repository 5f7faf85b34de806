package dev.ranch.http.server;

import dev.ranch.http.BodyHandler;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.Request;
import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Request bodies handed to a {@link BodyHandler} as they arrive. */
class StreamingBodyTest {

    /** What the early-answering handler was given. */
    private final AtomicLong received = new AtomicLong();
    private final CountingBodyHandler counter = new CountingBodyHandler();

    private Router router() {
        BodyHandler early = new BodyHandler() {
            @Override
            public void onHead(Request request, Response response) {
                response.status(403).send("no thanks");
            }

            @Override
            public void onBody(Request request, Response response, ByteBuffer data) {
                received.addAndGet(data.remaining());
            }

            @Override
            public void onEnd(Request request, Response response) {
                // already answered
            }
        };
        return Router.builder()
                .post("/count", HttpHandler.streaming(counter))
                .post("/early", HttpHandler.streaming(early))
                .get("/next", (req, res) -> res.send("next"))
                .build();
    }

    @Test
    void bodyPiecesReachTheHandlerBeforeTheBodyEnds() {
        try (TestServer server = TestServer.start(router()); RawClient client = server.connect()) {
            client.send("POST /count HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
            // The body is not finished, yet the handler has its first piece.
            await().atMost(Duration.ofSeconds(5)).until(() -> counter.received.get() == 5);
            client.send("6\r\n world\r\n0\r\nChecksum: 42\r\n\r\n");
            assertEquals("received 11 trailer 42", client.read().body());
            assertEquals("next", client.send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
        }
    }

    @Test
    void anEarlyAnswerStillReadsTheBodyAndKeepsTheConnection() {
        try (TestServer server = TestServer.start(router()); RawClient client = server.connect()) {
            client.send("POST /early HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n");
            RawClient.Response response = client.read();
            assertEquals(403, response.status);
            client.send("0123456789GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("next", client.read().body());
            assertEquals(10, received.get());
        }
    }

    @Test
    void streamingRouteWithoutBodyStillRunsHeadAndEnd() {
        try (TestServer server = TestServer.start(router()); RawClient client = server.connect()) {
            assertEquals("received 0 trailer null",
                    client.send("POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").read().body());
        }
    }
}
