package dev.ranch.chat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A chat client over WebSocket for tests, on Java's own {@code java.net.http.WebSocket}: what
 * the browser page does, without the browser. Every wait is bounded, so a test fails instead
 * of hanging when the server stays silent. Test thread only, apart from the listener.
 */
final class SocketClient implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(10);

    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final CompletableFuture<int[]> closed = new CompletableFuture<>();
    private final WebSocket socket;
    /** While set, the client asks for no more messages, so the JDK stops reading the socket. */
    private volatile boolean holding;

    private SocketClient(URI uri) {
        StringBuilder partial = new StringBuilder();
        WebSocket.Listener listener = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    lines.add(partial.toString());
                    partial.setLength(0);
                }
                if (!holding) {
                    ws.request(1);
                }
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                closed.complete(new int[] {statusCode});
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                closed.completeExceptionally(error);
            }
        };
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .connectTimeout(WAIT)
                .buildAsync(uri, listener)
                .orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .join();
    }

    /** Connects to {@code /ws} on {@code httpPort} of the loopback address. */
    static SocketClient connect(int httpPort) {
        return new SocketClient(URI.create("ws://127.0.0.1:" + httpPort + "/ws"));
    }

    /** Sends {@code line} as one text frame, and waits until it is handed to the socket. */
    SocketClient send(String line) {
        socket.sendText(line, true).orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
        return this;
    }

    /** Sends {@code data} as one binary frame. */
    SocketClient sendBinary(byte[] data) {
        socket.sendBinary(ByteBuffer.wrap(data), true).orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join();
        return this;
    }

    /** Sends {@code JOIN room} and checks the answer. */
    SocketClient join(String room) {
        send("JOIN " + room);
        return expect("OK joined " + room);
    }

    /** Checks that the next text frame is {@code line}. */
    SocketClient expect(String line) {
        assertEquals(line, next());
        return this;
    }

    /** The next text frame, waiting at most {@link #WAIT}. */
    String next() {
        try {
            String line = lines.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (line == null) {
                throw new AssertionError("no text frame within " + WAIT);
            }
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The close code the server sent, once its close frame arrives (at most {@link #WAIT}). */
    int closeCode() {
        return closed.orTimeout(WAIT.toMillis(), TimeUnit.MILLISECONDS).join()[0];
    }

    /**
     * Stops reading: after at most one more message, the client takes nothing from the socket,
     * like a browser tab that hangs, until {@link #release()}.
     */
    void hold() {
        holding = true;
    }

    /** Reads again after {@link #hold()}. */
    void release() {
        holding = false;
        socket.request(1);
    }

    /** Every text frame that arrived before the server's close frame, once it has arrived. */
    List<String> linesUntilClosed() {
        closeCode();
        List<String> all = new ArrayList<>();
        lines.drainTo(all);
        return all;
    }

    /** Whether frames are waiting unread. */
    boolean hasWaiting() {
        return !lines.isEmpty();
    }

    @Override
    public void close() {
        socket.abort();
    }
}
