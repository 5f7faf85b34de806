package dev.ranch.http.websocket;

import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.test.Bytes;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The WebSocket idle timeout counts a peer's silence, and a peer still taking in a long message
 * is not silent: it gets the whole message however slowly it reads, and the idle close comes
 * after. (A peer that stops reading is cut by the core's {@code sendTimeout}, whatever the protocol.)
 */
class SlowWebSocketReaderTest {

    private static final Duration IDLE = Duration.ofMillis(200);
    private static final Duration CLOSE = Duration.ofMillis(200);
    private static final Duration PACE = Duration.ofMillis(25);
    private static final int STEP = 32 * 1024;
    private static final int SMALL_BUFFER = 16 * 1024;

    @Test
    void aSlowSteadyReaderGetsAllOfAMessageThatOutlastsTheIdleTimeoutThenTheIdleClose() {
        byte[] message = Bytes.random(1536 * 1024, 17);
        WebSocketOptions options = WebSocketOptions.builder().idleTimeout(IDLE).closeTimeout(CLOSE).build();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                session.sendBinary(ByteBuffer.wrap(message));
            }
        }, options).build();
        // Watermarks above the message: the connection stays writable, so its reads are never paused
        // for backpressure (which would also keep the idle timer quiet) and only pending output tells.
        ListenerOptions.Builder listener = ListenerOptions.builder()
                .closeTimeout(CLOSE).sendTimeout(Duration.ofSeconds(1)).sendBufferSize(SMALL_BUFFER)
                .writeHighWatermark(4 * message.length).writeLowWatermark(2 * message.length);
        try (WsTestServer server = WsTestServer.start(router, listener);
             RawWebSocket ws = RawWebSocket.connect(server.port(), SMALL_BUFFER)) {
            assertEquals(101, ws.handshake("/ws").status);
            byte[] head = new byte[10];  // FIN + binary, 127, then a 64-bit length
            readFully(ws, head, head.length);
            assertEquals(0x82, head[0] & 0xFF);
            assertEquals(127, head[1] & 0xFF);
            assertEquals(message.length, ByteBuffer.wrap(head, 2, 8).getLong());
            byte[] received = new byte[message.length];
            long started = System.nanoTime();
            readFully(ws, received, received.length);
            long took = System.nanoTime() - started;
            assertArrayEquals(message, received);
            // Otherwise the message never outlasted idle plus both close bounds, and this proved nothing.
            assertTrue(took > 2 * IDLE.plus(CLOSE).plus(CLOSE).toNanos(), "read too fast: " + took / 1_000_000 + " ms");
            assertEquals(1001, ws.readClose().closeCode(), "the idle close, once the message is through");
        }
    }

    /** Reads {@code length} bytes {@link #STEP} at a time, one step every {@link #PACE}. */
    private static void readFully(RawWebSocket ws, byte[] into, int length) {
        int total = 0;
        while (total < length) {
            int n = ws.readBytes(into, total, Math.min(STEP, length - total));
            assertTrue(n > 0, "the server closed after " + total + " of " + length + " bytes");
            total += n;
            if (length > STEP) {
                LockSupport.parkNanos(PACE.toNanos());
            }
        }
    }
}
