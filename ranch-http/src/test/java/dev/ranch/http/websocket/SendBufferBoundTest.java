package dev.ranch.http.websocket;

import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hard bound on a slow reader: a handler that ignores writability and sends on, from the
 * loop or from another thread, meets {@code maxBufferedBytes}; the session drops the excess,
 * closes with the configured code, and its buffered bytes never pass the bound by more than
 * one message.
 */
class SendBufferBoundTest {

    private static final int BOUND = 1024 * 1024;
    private static final byte[] CHUNK = new byte[64 * 1024];
    /** Sends attempted: 32 MiB, far past the bound. */
    private static final int ATTEMPTS = 512;

    /** A handler that records the close code its session ended with. */
    private abstract static class RecordsClose implements WebSocketHandler {
        final CompletableFuture<Integer> closedWith = new CompletableFuture<>();

        @Override
        public void onClose(WebSocketSession session, int code, String reason) {
            closedWith.complete(code);
        }
    }

    /** Small kernel buffers, so the socket takes little and the session must hold the rest. */
    private static ListenerOptions.Builder smallSocketBuffer() {
        return ListenerOptions.builder().sendBufferSize(16 * 1024);
    }

    @Test
    void handlerSendingOnTheLoopRegardlessIsClosedWith1008AtTheBound() throws Exception {
        AtomicLong mostBuffered = new AtomicLong();
        AtomicInteger refusedAfterClose = new AtomicInteger();
        CompletableFuture<WebSocketSession> overflowed = new CompletableFuture<>();
        WebSocketOptions options = WebSocketOptions.builder().maxBufferedBytes(BOUND)
                .closeTimeout(Duration.ofSeconds(30)).build();
        RecordsClose handler = new RecordsClose() {
            @Override
            public void onText(WebSocketSession session, String text) {
                for (int i = 0; i < ATTEMPTS; i++) {
                    session.sendBinary(CHUNK);  // ignores isWritable() on purpose
                    mostBuffered.accumulateAndGet(session.bufferedAmount(), Math::max);
                    if (!session.isOpen()) {
                        refusedAfterClose.incrementAndGet();
                    }
                }
                overflowed.complete(session);
            }
        };
        Router router = Router.builder().websocket("/ws", (req, hs) -> handler, options).build();
        try (WsTestServer server = WsTestServer.start(router, smallSocketBuffer());
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            ws.sendText("go");
            WebSocketSession session = overflowed.get(10, TimeUnit.SECONDS);
            assertTrue(!session.isOpen(), "the session closed itself");
            assertTrue(mostBuffered.get() <= BOUND + CHUNK.length, "never above the bound plus one message: "
                    + mostBuffered.get());
            assertTrue(refusedAfterClose.get() > ATTEMPTS / 2, "most sends were dropped: " + refusedAfterClose.get());

            assertWhatWasKeptThenTheCloseFrame(ws, CloseCodes.POLICY_VIOLATION);
            assertEquals(CloseCodes.POLICY_VIOLATION, handler.closedWith.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void sendsFromAnotherThreadPastTheBoundAreDroppedAndTheSessionClosesWithTheChosenCode() throws Exception {
        CompletableFuture<WebSocketSession> opened = new CompletableFuture<>();
        WebSocketOptions options = WebSocketOptions.builder().maxBufferedBytes(BOUND)
                .overflowCloseCode(CloseCodes.TRY_AGAIN_LATER).closeTimeout(Duration.ofSeconds(30)).build();
        RecordsClose handler = new RecordsClose() {
            @Override
            public void onOpen(WebSocketSession session) {
                opened.complete(session);
            }
        };
        Router router = Router.builder().websocket("/ws", (req, hs) -> handler, options).build();
        try (WsTestServer server = WsTestServer.start(router, smallSocketBuffer());
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            WebSocketSession session = opened.get(10, TimeUnit.SECONDS);
            long mostBuffered = 0;
            for (int i = 0; i < ATTEMPTS; i++) {
                session.sendBinary(CHUNK);
                mostBuffered = Math.max(mostBuffered, session.bufferedAmount());
            }
            await("the loop applied the overflow close").atMost(Duration.ofSeconds(10)).until(() -> !session.isOpen());
            assertTrue(mostBuffered <= BOUND + CHUNK.length, "never above the bound plus one message: " + mostBuffered);

            assertWhatWasKeptThenTheCloseFrame(ws, CloseCodes.TRY_AGAIN_LATER);
            assertEquals(CloseCodes.TRY_AGAIN_LATER, handler.closedWith.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void oneMessageLargerThanTheBoundStillGoesOutWhenNothingWaits() throws Exception {
        byte[] large = new byte[2 * BOUND];
        Arrays.fill(large, (byte) 7);
        CompletableFuture<WebSocketSession> sent = new CompletableFuture<>();
        WebSocketOptions options = WebSocketOptions.builder().maxBufferedBytes(BOUND).build();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onText(WebSocketSession session, String text) {
                session.sendBinary(large);
                sent.complete(session);
            }
        }, options).build();
        try (WsTestServer server = WsTestServer.start(router, smallSocketBuffer());
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            ws.sendText("go");
            WebSocketSession session = sent.get(10, TimeUnit.SECONDS);
            RawWebSocket.Frame f = ws.read();
            assertEquals(0x2, f.opcode, "the large message, not a close: " + f);
            assertTrue(Arrays.equals(large, f.payload), "whole and intact");
            assertTrue(session.isOpen(), "the session stays open");
        }
    }

    /**
     * Reads what the session kept (binary frames, far less than was attempted), then its close
     * frame with {@code code}; answers it, and the server ends the TCP connection.
     */
    private static void assertWhatWasKeptThenTheCloseFrame(RawWebSocket ws, int code) {
        long received = 0;
        RawWebSocket.Frame f = ws.read();
        while (f.opcode == 0x2) {
            received += f.payload.length;
            f = ws.read();
        }
        assertEquals(code, f.closeCode(), "the close frame follows the data: " + f);
        assertTrue(received < (long) ATTEMPTS * CHUNK.length / 4, "the excess was dropped, not sent: " + received);
        ws.sendClose(code, "");
        assertTrue(ws.serverClosed(), "the close handshake ends the connection");
    }
}
