package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ranch.bench.server.Server;
import dev.ranch.core.test.JdkHttpClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP BenchServer modes answer what the README promises, on one kept-alive client. */
class HttpServersTest {

    private static HttpClient client;

    @BeforeAll
    static void startClient() {
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void releaseClient() {
        client = null;
        JdkHttpClients.awaitCollected();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ranch-http", "netty-http"})
    void everyGetIsHelloWorld(String mode) throws Exception {
        try (Server server = BenchServer.start(mode, 0)) {
            for (String path : new String[] {"/", "/anything/else", "/?q=1"}) {
                HttpResponse<String> response = get(server, path);
                assertEquals(200, response.statusCode(), path);
                assertEquals("text/plain", response.headers().firstValue("Content-Type").orElse(""), path);
                assertEquals("Hello, World!", response.body(), path);
            }
        }
    }

    @Test
    void ranchEchoesPostsAndSurvivesAFailingHandler() throws Exception {
        try (Server server = BenchServer.start("ranch-http", 0)) {
            HttpResponse<String> echo = client.send(HttpRequest.newBuilder(uri(server, "/echo"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"a\":1}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, echo.statusCode());
            assertEquals("application/json", echo.headers().firstValue("Content-Type").orElse(""));
            assertEquals("{\"a\":1}", echo.body());

            assertEquals(500, get(server, "/error").statusCode());
            assertEquals("Hello, World!", get(server, "/").body());
        }
    }

    private static HttpResponse<String> get(Server server, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(uri(server, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(Server server, String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }
}
