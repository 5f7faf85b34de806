package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.JdkHttpClients;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.test.TestRanch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ranch-http's HTTP/2 as {@code java.net.http.HttpClient} with {@code Version.HTTP_2} speaks
 * it over TLS (ALPN {@code h2}, the test CA trusted): GET, a posted body echoed, a large
 * download through the windows, 100 concurrent streams on one connection. The JDK client does
 * h2c only by {@code Upgrade: h2c}, which ranch-http does not do (RFC 9113 §3.1 deprecates it):
 * such a request is answered in HTTP/1.1, as the RFC lets a server that ignores the upgrade.
 */
class JdkHttp2ClientInteropTest {

    private static final Duration ANSWER = Duration.ofSeconds(60);

    @TestRanch
    Ranch ranch;

    private static HttpClient client;
    private InteropServer server;

    @BeforeAll
    static void startClient() {
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .sslContext(TestCertificates.get().clientContext())
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    static void releaseClient() {
        client = null;
        JdkHttpClients.awaitCollected();
    }

    @BeforeEach
    void start() {
        server = InteropServer.start(ranch);
    }

    @Test
    void aGetIsAnsweredOverHttp2AndTheHandlerSeesVersion20() throws Exception {
        HttpResponse<String> response = client.send(get("/version"), HttpResponse.BodyHandlers.ofString());

        assertEquals(HttpClient.Version.HTTP_2, response.version());
        assertEquals(200, response.statusCode());
        assertEquals("version 20", response.body());
    }

    @Test
    void aPostedMegabyteIsEchoedByteExact() throws Exception {
        byte[] body = Bytes.random((1 << 20) + 3, 29);

        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri("/echo")).timeout(ANSWER)
                .header("Content-Type", "application/x-test")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(HttpClient.Version.HTTP_2, response.version());
        assertEquals(200, response.statusCode());
        assertEquals("application/x-test", response.headers().firstValue("content-type").orElse(""));
        assertArrayEquals(body, response.body());
    }

    @Test
    void eightMebibytesArriveWholeThroughTheFlowControlWindows() throws Exception {
        HttpResponse<byte[]> response = client.send(get("/large"), HttpResponse.BodyHandlers.ofByteArray());

        assertEquals(HttpClient.Version.HTTP_2, response.version());
        assertEquals(InteropServer.LARGE, response.body().length);
        assertEquals(InteropServer.largeSha256(), InteropServer.sha256(response.body()));
    }

    @Test
    void aHundredStreamsRunSideBySideOnOneConnection() throws Exception {
        // One request first: before a connection is up, the JDK client may open one per request.
        assertEquals(HttpClient.Version.HTTP_2, client.send(get("/version"), HttpResponse.BodyHandlers.ofString()).version());
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            pending.add(client.sendAsync(get("/together?n=100"), HttpResponse.BodyHandlers.ofString()));
        }

        List<String> bodies = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> answer : pending) {
            HttpResponse<String> response = answer.get(ANSWER.toSeconds(), TimeUnit.SECONDS);
            assertEquals(200, response.statusCode(), response.body());
            assertEquals(HttpClient.Version.HTTP_2, response.version());
            bodies.add(response.body());
        }
        assertEquals(1, Set.copyOf(bodies).size(), "all on one connection: " + Set.copyOf(bodies));
        assertTrue(bodies.get(0).startsWith("together on connection "), bodies.get(0));
    }

    @Test
    void anUpgradeToH2cIsIgnoredAndAnsweredInHttp11() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(server.h2cOrigin() + "/version"))
                .timeout(ANSWER).GET().build(), HttpResponse.BodyHandlers.ofString());

        assertEquals(HttpClient.Version.HTTP_1_1, response.version());
        assertEquals(200, response.statusCode());
        assertEquals("version 11", response.body());
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(uri(path)).timeout(ANSWER).GET().build();
    }

    private URI uri(String path) {
        return URI.create(server.h2Origin() + path);
    }
}
