package dev.ranch.http.server;

import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keep-alive, close, pipelining, timeouts and back-pressure, through raw sockets. */
class ConnectionBehaviourTest {

    private static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    private static Router echoPath() {
        return Router.builder()
                .route("/slow/:n", (req, res) -> {
                    // Answers from another thread, later: the next pipelined responses must wait for it.
                    res.async();
                    CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS)
                            .execute(() -> res.send("slow " + req.binding("n")));
                })
                .route("_", (req, res) -> res.send(req.path()))
                .build();
    }

    @Test
    void pipelinedResponsesComeBackInRequestOrderEvenWhenTheFirstIsAsync() {
        try (TestServer server = TestServer.start(echoPath()); RawClient client = server.connect()) {
            client.send("GET /slow/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /slow/2 HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals("slow 1", client.read().body());
            assertEquals("/a", client.read().body());
            assertEquals("slow 2", client.read().body());
            assertEquals("/b", client.read().body());
        }
    }

    @Test
    void manyPipelinedRequestsInOneWriteAreAllAnsweredInOrder() {
        try (TestServer server = TestServer.start(echoPath()); RawClient client = server.connect()) {
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 200; i++) {
                batch.append("GET /r").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            client.send(batch.toString());
            for (int i = 0; i < 200; i++) {
                assertEquals("/r" + i, client.read().body());
            }
        }
    }

    @Test
    void eachRequestOnAKeepAliveConnectionReachesItsOwnRouteWhetherItRepeatsTheLastOrNot() {
        Router router = Router.builder()
                .host("other.example").get("_", (req, res) -> res.send("other " + req.path()))
                .host("_")
                .get("/a", (req, res) -> res.send("get a"))
                .post("/a", (req, res) -> res.send("post a"))
                .get("/b", (req, res) -> res.send("get b"))
                .build();
        try (TestServer server = TestServer.start(router); RawClient client = server.connect()) {
            String[][] exchanges = {
                {"GET /a", "x", "get a"}, {"GET /a", "x", "get a"}, {"GET /b", "x", "get b"},
                {"GET /a", "x", "get a"}, {"POST /a", "x", "post a"}, {"GET /a", "other.example", "other /a"},
                {"GET /a", "other.example", "other /a"}, {"GET /a", "x", "get a"}, {"DELETE /a", "x", "405"},
            };
            for (String[] e : exchanges) {
                String length = e[0].startsWith("POST") ? "Content-Length: 0\r\n" : "";
                RawClient.Response response = client.send(e[0] + " HTTP/1.1\r\nHost: " + e[1] + "\r\n" + length
                        + "\r\n").read();
                String got = response.status == 405 ? "405" : response.body();
                assertEquals(e[2], got, e[0] + " to " + e[1]);
            }
        }
    }

    @Test
    void clientConnectionCloseIsHonoured() {
        try (TestServer server = TestServer.start(echoPath()); RawClient client = server.connect()) {
            RawClient.Response response = client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").read();
            assertEquals("close", response.header("connection"));
            assertTrue(client.isClosedByPeer());
        }
    }

    @Test
    void handlerConnectionCloseClosesAfterTheResponse() {
        Router router = Router.of((req, res) -> res.header("Connection", "close").send("bye"));
        try (TestServer server = TestServer.start(router); RawClient client = server.connect()) {
            RawClient.Response response = client.send(GET).read();
            assertEquals("bye", response.body());
            assertEquals("close", response.header("connection"));
            assertTrue(client.isClosedByPeer());
        }
    }

    @Test
    void http10ClosesByDefaultAndStaysOpenWithKeepAlive() {
        try (TestServer server = TestServer.start(echoPath())) {
            try (RawClient client = server.connect()) {
                RawClient.Response response = client.send("GET /x HTTP/1.0\r\n\r\n").read();
                assertEquals("close", response.header("connection"));
                assertTrue(client.isClosedByPeer());
            }
            try (RawClient client = server.connect()) {
                RawClient.Response response = client.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
                assertEquals("keep-alive", response.header("connection"));
                assertEquals("/y", client.send("GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read().body());
            }
        }
    }

    @Test
    void http10StreamedResponseIsDelimitedByClose() {
        Router router = Router.of((req, res) -> {
            res.startChunked();
            res.write("a");
            res.write("b");
            res.end();
        });
        try (TestServer server = TestServer.start(router); RawClient client = server.connect()) {
            RawClient.Response response = client.send("GET / HTTP/1.0\r\n\r\n").read();
            assertNull(response.header("transfer-encoding"));
            assertEquals("ab", response.body());
        }
    }

    @Test
    void maxKeepAliveRequestsClosesAfterTheLastOne() {
        HttpOptions options = HttpOptions.builder().maxKeepAliveRequests(3).build();
        try (TestServer server = TestServer.start(echoPath(), options); RawClient client = server.connect()) {
            assertNull(client.send(GET).read().header("connection"));
            assertNull(client.send(GET).read().header("connection"));
            assertEquals("close", client.send(GET).read().header("connection"));
            assertTrue(client.isClosedByPeer());
        }
    }

    @Test
    void idleKeepAliveConnectionIsClosedAfterTheIdleTimeout() {
        HttpOptions options = HttpOptions.builder().idleTimeout(Duration.ofMillis(300)).build();
        try (TestServer server = TestServer.start(echoPath(), options); RawClient client = server.connect()) {
            assertEquals(200, client.send(GET).read().status);
            long start = System.nanoTime();
            assertTrue(client.isClosedByPeer());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250), "closed too early");
        }
    }

    /**
     * The header and idle deadlines armed while one read's pipelined requests are answered are
     * counted once that read is done: the idle timeout runs from there, and the header timeout
     * armed when the connection opened does not cut it short.
     */
    @Test
    void pipelinedAnswersLeaveTheIdleTimeoutCountingFromTheLastOfThem() {
        HttpOptions options = HttpOptions.builder()
                .requestHeaderTimeout(Duration.ofMillis(300))
                .idleTimeout(Duration.ofMillis(1500))
                .build();
        try (TestServer server = TestServer.start(echoPath(), options); RawClient client = server.connect()) {
            client.send(GET + GET + GET);
            for (int i = 0; i < 3; i++) {
                assertEquals(200, client.read().status);
            }
            long answered = System.nanoTime();
            assertTrue(client.isClosedByPeer());
            long closedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - answered);
            assertTrue(closedAfter >= 1400, "closed " + closedAfter + " ms after the answers, before idleTimeout");
        }
    }

    @Test
    void slowHeaderIsAnswered408AndClosed() {
        HttpOptions options = HttpOptions.builder().requestHeaderTimeout(Duration.ofMillis(300)).build();
        try (TestServer server = TestServer.start(echoPath(), options); RawClient client = server.connect()) {
            client.send("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");  // and never the rest
            RawClient.Response response = client.read();
            assertEquals(408, response.status);
            assertEquals("close", response.header("connection"));
            assertTrue(client.isClosedByPeer());
        }
    }

    @Test
    void connectionThatSendsNothingIsClosedAfterTheHeaderTimeout() {
        HttpOptions options = HttpOptions.builder().requestHeaderTimeout(Duration.ofMillis(300)).build();
        try (TestServer server = TestServer.start(echoPath(), options); RawClient client = server.connect()) {
            assertTrue(client.isClosedByPeer());
        }
    }

    @Test
    void expectContinueToAnUnknownPathIsRefusedWithoutA100() {
        Router router = Router.builder().get("/", (req, res) -> res.send("x")).build();
        try (TestServer server = TestServer.start(router); RawClient client = server.connect()) {
            RawClient.Response response = client.send("PUT /nowhere HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 5\r\n\r\n").read();
            assertEquals(404, response.status);
            assertEquals("close", response.header("connection"));
        }
    }

    @Test
    void continueIsSentOnlyOnceTheServerWillReadTheBody() {
        Router router = Router.builder().put("/", (req, res) -> res.send("got " + req.bodyAsString())).build();
        try (TestServer server = TestServer.start(router); RawClient client = server.connect()) {
            client.send("PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
            assertEquals(100, client.read().status);
            RawClient.Response response = client.send("hello").read();
            assertEquals("got hello", response.body());
        }
    }

    @Test
    void continueIsLeftOutWhenTheBodyCameWithTheHead() {
        Router router = Router.builder().put("/", (req, res) -> res.send("got " + req.bodyAsString())).build();
        try (TestServer server = TestServer.start(router); RawClient client = server.connect()) {
            RawClient.Response response = client.send("PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                    + "Content-Length: 5\r\n\r\nhello").read();
            assertEquals(200, response.status);
            assertEquals("got hello", response.body());
        }
    }

    @Test
    void clientThatPipelinesWithoutReadingCannotGrowServerMemory() {
        AtomicInteger answered = new AtomicInteger();
        byte[] big = new byte[256 * 1024];
        Router router = Router.of((req, res) -> {
            answered.incrementAndGet();
            res.send(big);
        });
        ListenerOptions.Builder small = ListenerOptions.builder().sendBufferSize(64 * 1024)
                .writeHighWatermark(256 * 1024).writeLowWatermark(128 * 1024);
        try (TestServer server = TestServer.start(router, HttpOptions.DEFAULTS, small);
             RawClient client = server.connect()) {
            client.socket().setReceiveBufferSize(64 * 1024);
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 400; i++) {
                batch.append(GET);
            }
            // 400 requests asking for 100 MiB in all; the client reads none of it.
            CompletableFuture.runAsync(() -> client.send(batch.toString()));
            await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() > 0);
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(5))
                    .until(() -> answered.get() < 20);
            // Reading resumes the server: every request is answered in the end.
            for (int i = 0; i < 400; i++) {
                assertEquals(big.length, client.read().body.length);
            }
            assertEquals(400, answered.get());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
