package dev.ranch.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ranch.bench.server.Server;
import dev.ranch.core.test.JdkHttpClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The WebSocket BenchServer modes echo text at {@code /ws} to the JDK's own WebSocket client,
 * in order, and answer its close with a normal close.
 */
class WebSocketServersTest {

    @AfterAll
    static void releaseClients() {
        JdkHttpClients.awaitCollected();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ranch-ws-echo", "netty-ws-echo"})
    void echoesTextMessagesInOrderAndClosesCleanly(String mode) throws Exception {
        List<String> echoed = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        CompletableFuture<Void> allBack = new CompletableFuture<>();
        List<String> sent = List.of("one", "two", "x".repeat(200), "drei");
        WebSocket.Listener listener = new WebSocket.Listener() {
            private final StringBuilder message = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
                message.append(data);
                if (last) {
                    echoed.add(message.toString());
                    message.setLength(0);
                    if (echoed.size() == sent.size()) {
                        allBack.complete(null);
                    }
                }
                socket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket socket, int statusCode, String reason) {
                closed.complete(statusCode);
                return null;
            }
        };
        try (Server server = BenchServer.start(mode, 0)) {
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), listener)
                    .get(10, TimeUnit.SECONDS);
            for (String text : sent) {
                socket.sendText(text, true).get(10, TimeUnit.SECONDS);
            }
            allBack.get(10, TimeUnit.SECONDS);
            assertEquals(sent, echoed);
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
            assertEquals(WebSocket.NORMAL_CLOSURE, closed.get(10, TimeUnit.SECONDS));
        }
    }
}
