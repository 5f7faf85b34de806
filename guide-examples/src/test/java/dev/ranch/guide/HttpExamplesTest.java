package dev.ranch.guide;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.JdkHttpClients;
import dev.ranch.core.test.TestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.core.test.Patience.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guide's HTTP and WebSocket examples, answered to Java's HttpClient and raw sockets. */
class HttpExamplesTest {

    private HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void dropHttpClients() {
        http = null;                                             // unreachable, so it can be collected
        JdkHttpClients.awaitCollected();
    }

    @Test
    void theRoutesAnswerByHostPathMethodAndHandlerKind() throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(2);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (Ranch ranch = Ranch.builder().eventLoops(2).build()) {
            Listener web = HttpRoutes.start(ranch, 0, workers, timer);
            String base = "http://127.0.0.1:" + web.port();
            assertEquals("home\n", get(base + "/", 200));
            assertEquals("user 7\n", get(base + "/users/7", 200));
            assertEquals("looking for ranch java\n", get(base + "/search?q=ranch%20java", 200));
            assertEquals("later\n", get(base + "/later", 200));
            assertEquals("report\n", get(base + "/report", 200));
            assertEquals("no file a/b\n", get(base + "/files/a/b", 404));
            assertEquals("abc", post(base + "/echo", "abc", 200));
            assertEquals("uploaded so far: 1000 bytes\n", post(base + "/count", "x".repeat(1000), 200));
            assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(base + "/users/7"))
                    .DELETE().timeout(PATIENCE).build(), HttpResponse.BodyHandlers.discarding()).statusCode());
            try (TestClient raw = TestClient.connect(web.port())) {   // HttpClient may not set Host
                raw.write("GET / HTTP/1.1\r\nHost: acme.example.com\r\nConnection: close\r\n\r\n");
                String response = new String(raw.readToEnd(), StandardCharsets.UTF_8);
                assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("tenant acme\n"), response);
            }
        } finally {
            workers.shutdownNow();
            timer.shutdownNow();
        }
    }

    @Test
    void theWebSocketRoomRelaysToTheOthersAndRefusesANameless() throws Exception {
        try (Ranch ranch = Ranch.builder().eventLoops(2).build()) {
            Listener room = WebSocketRoom.start(ranch, 0);
            String base = "ws://127.0.0.1:" + room.port() + "/room";
            LinkedBlockingQueue<String> annHears = new LinkedBlockingQueue<>();
            LinkedBlockingQueue<String> bobHears = new LinkedBlockingQueue<>();
            WebSocket ann = join(base + "?name=ann", annHears);
            assertEquals("welcome ann, 1 here", annHears.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            assertEquals("room.v1", ann.getSubprotocol());
            WebSocket bob = join(base + "?name=bob", bobHears);
            assertEquals("welcome bob, 2 here", bobHears.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            ann.sendText("hi", true);
            assertEquals("ann: hi", bobHears.poll(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> waitFor(http.newWebSocketBuilder().buildAsync(URI.create(base), new WebSocket.Listener() { })));
            assertEquals(400, assertInstanceOf(WebSocketHandshakeException.class, refused.getCause())
                    .getResponse().statusCode());
            ann.abort();
            bob.abort();
        }
    }

    private WebSocket join(String uri, LinkedBlockingQueue<String> heard) throws Exception {
        return waitFor(http.newWebSocketBuilder().subprotocols("room.v1").buildAsync(URI.create(uri), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                heard.add(data.toString());
                webSocket.request(1);
                return null;
            }
        }));
    }

    private String get(String uri, int status) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(PATIENCE).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(status, response.statusCode(), response.body());
        return response.body();
    }

    private String post(String uri, String body, int status) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(uri)).timeout(PATIENCE)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(status, response.statusCode(), response.body());
        return response.body();
    }
}
