package dev.ranch.http.server;

import dev.ranch.core.test.JdkHttpClients;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server as {@code java.net.http.HttpClient} sees it: keep-alive, chunked both ways, 100-continue, HEAD. */
class HttpClientInteropTest {

    private static final AtomicInteger CONTINUE_BODIES = new AtomicInteger();
    private static TestServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        Router router = Router.builder()
                .get("/conn", (req, res) -> res.send(Long.toString(req.connectionId())))
                .post("/echo", (req, res) -> {
                    res.header("Content-Type", "application/octet-stream");
                    res.send(req.body());
                })
                .get("/stream", (req, res) -> {
                    res.header("Content-Type", "text/plain");
                    res.startChunked();
                    for (int i = 0; i < 5; i++) {
                        res.write("part" + i + ";");
                    }
                    res.end();
                })
                .get("/query", (req, res) -> res.send(req.queryParam("q") + "|" + req.queryParams().get("n")))
                .get("/headers", (req, res) -> res.send(req.header("x-MiXeD") + "|" + req.headers().get("X-MIXED")))
                .get("/users/:id", (req, res) -> res.send("user " + req.binding("id")))
                .put("/continue", (req, res) -> {
                    CONTINUE_BODIES.incrementAndGet();
                    res.send("got " + req.body().length);
                })
                .build();
        server = TestServer.start(router, HttpOptions.builder().serverHeader("ranch-test").build());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void stop() {
        server.close();
        client = null;
        JdkHttpClients.awaitCollected();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(server.url(path))).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void keepAliveReusesOneConnectionForSequentialRequests() throws Exception {
        String first = get("/conn").body();
        for (int i = 0; i < 5; i++) {
            assertEquals(first, get("/conn").body(), "request " + i + " came over another connection");
        }
    }

    @Test
    void responsesCarryDateServerAndContentLength() throws Exception {
        HttpResponse<String> response = get("/users/42");
        assertEquals(200, response.statusCode());
        assertEquals("user 42", response.body());
        assertTrue(response.headers().firstValue("date").orElseThrow().endsWith(" GMT"));
        assertEquals("ranch-test", response.headers().firstValue("server").orElseThrow());
        assertEquals("7", response.headers().firstValue("content-length").orElseThrow());
    }

    @Test
    void chunkedUploadIsAggregated() throws Exception {
        byte[] payload = "x".repeat(100_000).getBytes(StandardCharsets.US_ASCII);
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.url("/echo")))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(payload)))
                .timeout(Duration.ofSeconds(10)).build();
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals(payload.length, response.body().length);
    }

    @Test
    void fixedLengthUploadOverManyPacketsIsEchoed() throws Exception {
        byte[] payload = new byte[1_000_000];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) i;
        }
        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(server.url("/echo")))
                .POST(HttpRequest.BodyPublishers.ofByteArray(payload)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertTrue(java.util.Arrays.equals(payload, response.body()), "echoed body differs");
    }

    @Test
    void chunkedDownloadArrivesWhole() throws Exception {
        HttpResponse<String> response = get("/stream");
        assertEquals("part0;part1;part2;part3;part4;", response.body());
        assertEquals("chunked", response.headers().firstValue("transfer-encoding").orElseThrow());
    }

    @Test
    void queryParametersArePercentDecoded() throws Exception {
        assertEquals("a b/é|[1, 2]", get("/query?q=a+b%2F%C3%A9&n=1&n=2").body());
    }

    @Test
    void headerLookupIgnoresCase() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(server.url("/headers")))
                .header("X-Mixed", "v").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("v|v", response.body());
    }

    @Test
    void expectContinueGetsA100ThenTheBodyIsRead() throws Exception {
        int before = CONTINUE_BODIES.get();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(server.url("/continue")))
                .expectContinue(true).PUT(HttpRequest.BodyPublishers.ofString("hello"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("got 5", response.body());
        assertEquals(before + 1, CONTINUE_BODIES.get());
    }

    @Test
    void headGetsTheHeadersOfGetWithoutBody() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(server.url("/users/7")))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("6", response.headers().firstValue("content-length").orElseThrow());
        assertEquals("", response.body());
    }

    @Test
    void wrongMethodIs405WithAllow() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(server.url("/users/7")))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, response.statusCode());
        assertEquals(List.of("GET, HEAD"), response.headers().allValues("allow"));
    }

    @Test
    void unknownPathIs404AndTheConnectionStaysUsable() throws Exception {
        assertEquals(404, get("/missing").statusCode());
        assertFalse(get("/conn").body().isEmpty());
    }
}
