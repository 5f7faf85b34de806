package dev.ranch.http.websocket;

import dev.ranch.core.test.JdkHttpClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The JDK's own WebSocket client (java.net.http) against the echo route: an independent implementation. */
class JdkClientInteropTest {

    @AfterAll
    static void releaseClients() {
        JdkHttpClients.awaitCollected();
    }

    /** Collects whole messages; the JDK client hands over parts. */
    private static final class Collector implements WebSocket.Listener {
        final BlockingQueue<Object> received = new LinkedBlockingQueue<>();
        final CompletableFuture<String> closed = new CompletableFuture<>();
        private final StringBuilder text = new StringBuilder();
        private final java.io.ByteArrayOutputStream binary = new java.io.ByteArrayOutputStream();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                received.add(text.toString());
                text.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            binary.write(b, 0, b.length);
            if (last) {
                received.add(binary.toByteArray());
                binary.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            byte[] b = new byte[message.remaining()];
            message.get(b);
            received.add("pong:" + new String(b, java.nio.charset.StandardCharsets.UTF_8));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        Object next() throws InterruptedException {
            Object o = received.poll(10, TimeUnit.SECONDS);
            if (o == null) {
                throw new AssertionError("nothing received");
            }
            return o;
        }
    }

    @Test
    void jdkClientExchangesTextBinaryFragmentsPingsAndCloses() throws Exception {
        try (WsTestServer server = WsTestServer.echo(WebSocketOptions.DEFAULTS)) {
            Collector collector = new Collector();
            HttpClient client = HttpClient.newHttpClient();
            WebSocket ws = client.newWebSocketBuilder()
                    .buildAsync(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), collector)
                    .get(10, TimeUnit.SECONDS);
            ws.sendText("héllo wörld ✓", true).get(10, TimeUnit.SECONDS);
            assertEquals("héllo wörld ✓", collector.next());

            byte[] blob = new byte[100_000];
            new java.util.Random(7).nextBytes(blob);
            ws.sendBinary(ByteBuffer.wrap(blob), true).get(10, TimeUnit.SECONDS);
            assertArrayEquals(blob, (byte[]) collector.next());

            ws.sendText("frag", false).get(10, TimeUnit.SECONDS);
            ws.sendText("men", false).get(10, TimeUnit.SECONDS);
            ws.sendText("ted", true).get(10, TimeUnit.SECONDS);
            assertEquals("fragmented", collector.next());

            ws.sendPing(ByteBuffer.wrap("are you there".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .get(10, TimeUnit.SECONDS);
            assertEquals("pong:are you there", collector.next());

            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
            assertEquals("1000 ", collector.closed.get(10, TimeUnit.SECONDS));
        }
    }
}
