package dev.ranch.http.websocket;

import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The echo path of a steady WebSocket allocates nothing per frame on the loop thread: frames
 * are unmasked in the read buffer, delivered in place, and framed into the loop's batch.
 */
class EchoAllocationTest {

    @Test
    void textAndBinaryEchoAllocateNothingPerFrameOnTheLoop() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "no per-thread allocation counter");
        CompletableFuture<Thread> loop = new CompletableFuture<>();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WsTestServer.Echo() {
            @Override
            public void onOpen(WebSocketSession session) {
                loop.complete(Thread.currentThread());
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            Thread loopThread = loop.get(10, TimeUnit.SECONDS);
            byte[] text = RawWebSocket.frame(0x81, "sixty-four bytes of chat, give or take a few, for the echo path!"
                    .getBytes(StandardCharsets.UTF_8));
            byte[] binary = RawWebSocket.frame(0x82, new byte[200]);
            roundTrips(ws, text, binary, 10_000);  // class loading, JIT, the JDK's buffer caches
            long before = threads.getThreadAllocatedBytes(loopThread.getId());
            int n = 10_000;
            roundTrips(ws, text, binary, n);
            long perRoundTrip = (threads.getThreadAllocatedBytes(loopThread.getId()) - before) / (2L * n);
            // An object per frame (a buffer, a view, a lambda) would be 16 bytes or more every time.
            assertTrue(perRoundTrip < 8, "loop thread allocated " + perRoundTrip + " bytes per echoed frame");
        }
    }

    private static void roundTrips(RawWebSocket ws, byte[] text, byte[] binary, int n) {
        for (int i = 0; i < n; i++) {
            ws.send(text);
            assertEquals(0x1, ws.read().opcode);
            ws.send(binary);
            assertEquals(0x2, ws.read().opcode);
        }
    }

}
