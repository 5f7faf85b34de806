package dev.ranch.http.websocket;

import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every way a client can break RFC 6455, each answered with its close code and exactly one close frame. */
class CloseCodeTest {

    private static final WebSocketOptions SMALL = WebSocketOptions.builder()
            .maxFrameSize(1024).maxMessageSize(4096).closeTimeout(Duration.ofSeconds(5)).build();

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends {@code frames}, expects one close frame with {@code code}, answers it, and expects the TCP close. */
    private static void expectFailure(int code, byte[]... frames) {
        try (WsTestServer server = WsTestServer.echo(SMALL);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            for (byte[] f : frames) {
                ws.send(f);
            }
            RawWebSocket.Frame close = ws.readClose();
            assertEquals(code, close.closeCode());
            ws.sendClose(code, "");
            assertTrue(ws.serverClosed(), "the server closes TCP after the close handshake");
        }
    }

    @Test
    void unmaskedFrameIs1002() throws Exception {
        expectFailure(1002, RawWebSocket.frame(0x81, bytes("hi"), false));
    }

    @Test
    void reservedBitsAre1002() throws Exception {
        expectFailure(1002, RawWebSocket.frame(0x81 | 0x40, bytes("hi")));
        expectFailure(1002, RawWebSocket.frame(0x81 | 0x20, bytes("hi")));
        expectFailure(1002, RawWebSocket.frame(0x81 | 0x10, bytes("hi")));
    }

    @Test
    void reservedOpcodesAre1002() throws Exception {
        expectFailure(1002, RawWebSocket.frame(0x83, bytes("hi")));
        expectFailure(1002, RawWebSocket.frame(0x8B, bytes("hi")));
    }

    @Test
    void fragmentedOrOversizedControlFramesAre1002() throws Exception {
        expectFailure(1002, RawWebSocket.frame(0x09, bytes("ping")));
        expectFailure(1002, RawWebSocket.frame(0x89, new byte[126]));
    }

    @Test
    void continuationWithoutAMessageAndAMessageInsideAnotherAre1002() throws Exception {
        expectFailure(1002, RawWebSocket.frame(0x80, bytes("lost")));
        expectFailure(1002, RawWebSocket.frame(0x01, bytes("a")), RawWebSocket.frame(0x81, bytes("b")));
    }

    @Test
    void invalidUtf8Is1007() throws Exception {
        expectFailure(1007, RawWebSocket.frame(0x81, new byte[] {'o', 'k', (byte) 0xC0, (byte) 0xAF}));
        expectFailure(1007, RawWebSocket.frame(0x81, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}));
        // A message that ends inside a character.
        expectFailure(1007, RawWebSocket.frame(0x81, new byte[] {'a', (byte) 0xE2, (byte) 0x82}));
    }

    @Test
    void invalidUtf8SplitAcrossFragmentsFailsAtTheBadByteBeforeTheFrameEnds() throws Exception {
        try (WsTestServer server = WsTestServer.echo(SMALL);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            // First fragment ends with the lead byte of a two-byte character.
            ws.sendFrame(0x01, new byte[] {'a', (byte) 0xCE});
            // The next announces 100 bytes, but only its first, which cannot continue the character, is sent.
            byte[] second = RawWebSocket.frame(0x80, new byte[100]);
            second[6] = (byte) ('A' ^ second[2]);
            ws.send(java.util.Arrays.copyOf(second, 7));
            assertEquals(1007, ws.readClose().closeCode());
        }
    }

    @Test
    void frameOverMaxFrameSizeIs1009AtItsHeader() throws Exception {
        try (WsTestServer server = WsTestServer.echo(SMALL);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            byte[] big = RawWebSocket.frame(0x82, new byte[2000]);
            ws.send(java.util.Arrays.copyOf(big, 8));  // the header alone
            assertEquals(1009, ws.readClose().closeCode());
        }
    }

    @Test
    void messageOverMaxMessageSizeIs1009() throws Exception {
        byte[] kb = new byte[1000];
        expectFailure(1009, RawWebSocket.frame(0x02, kb), RawWebSocket.frame(0x00, kb), RawWebSocket.frame(0x00, kb),
                RawWebSocket.frame(0x00, kb), RawWebSocket.frame(0x80, kb));
    }

    @Test
    void invalidClosePayloadsAre1002AndBadReasonsAre1007() throws Exception {
        expectFailure(1002, RawWebSocket.frame(0x88, new byte[] {3}));
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 2000, 2999, 5000}) {
            expectFailure(1002, RawWebSocket.frame(0x88, new byte[] {(byte) (code >> 8), (byte) code}));
        }
        expectFailure(1007, RawWebSocket.frame(0x88, new byte[] {3, (byte) 0xE8, (byte) 0xFF}));
    }

    @Test
    void peerCloseIsEchoedOnceAndTheServerClosesTcp() throws Exception {
        CompletableFuture<Integer> reported = new CompletableFuture<>();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onClose(WebSocketSession session, int code, String reason) {
                reported.complete(code);
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            ws.sendClose(4001, "done");
            RawWebSocket.Frame close = ws.read();
            assertEquals(0x8, close.opcode);
            assertEquals(4001, close.closeCode());
            assertTrue(ws.serverClosed(), "nothing after the one close frame, then the TCP close");
            assertEquals(4001, reported.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void serverCloseSendsOneFrameAndIgnoresDataUntilThePeersClose() throws Exception {
        CompletableFuture<String> reported = new CompletableFuture<>();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onText(WebSocketSession session, String text) {
                session.close(4000, "bye " + text);
                session.close(1000, "second close is a no-op");
                session.sendText("never sent");
            }

            @Override
            public void onClose(WebSocketSession session, int code, String reason) {
                reported.complete(code + " " + reason);
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            ws.sendText("x");
            RawWebSocket.Frame close = ws.read();
            assertEquals(4000, close.closeCode());
            assertEquals("bye x", new String(close.payload, 2, close.payload.length - 2, StandardCharsets.UTF_8));
            ws.sendText("more data after the server's close");
            ws.sendFrame(0x89, bytes("ping"));
            ws.sendClose(4000, "");
            assertTrue(ws.serverClosed(), "no second close frame, no pong, then the TCP close");
            assertEquals("4000 bye x", reported.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void closeTimeoutDropsAPeerThatNeverAnswers() throws Exception {
        CompletableFuture<Integer> reported = new CompletableFuture<>();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                session.close(1001, "going");
            }

            @Override
            public void onClose(WebSocketSession session, int code, String reason) {
                reported.complete(code);
            }
        }, WebSocketOptions.builder().closeTimeout(Duration.ofMillis(300)).build()).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            long start = System.nanoTime();
            assertEquals(1001, ws.read().closeCode());
            assertTrue(ws.serverClosed());
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waited >= 250, "closed after the close timeout, not before: " + waited + " ms");
            assertEquals(1001, reported.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void idleTimeoutClosesWith1001() throws Exception {
        WebSocketOptions options = WebSocketOptions.builder().idleTimeout(Duration.ofMillis(300)).build();
        try (WsTestServer server = WsTestServer.echo(options);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            assertEquals(1001, ws.read().closeCode());
        }
    }

    @Test
    void pingIntervalKeepsALivePeerOpenPastTheIdleTimeout() throws Exception {
        WebSocketOptions options = WebSocketOptions.builder()
                .idleTimeout(Duration.ofMillis(600)).pingInterval(Duration.ofMillis(150)).build();
        try (WsTestServer server = WsTestServer.echo(options);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            int pings = 0;
            while (System.nanoTime() < end) {
                RawWebSocket.Frame f = ws.read();
                assertEquals(0x9, f.opcode, "only pings while the peer answers them: " + f);
                ws.sendFrame(0x8A, f.payload);
                pings++;
            }
            assertTrue(pings >= 5, "pings: " + pings);
            ws.sendText("still open");
            RawWebSocket.Frame f = ws.read();
            while (f.opcode == 0x9) {
                f = ws.read();
            }
            assertEquals("still open", f.text());
        }
    }

    @Test
    void handlerThatThrowsGets1011AndOtherConnectionsCarryOn() throws Exception {
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onText(WebSocketSession session, String text) {
                if (text.equals("boom")) {
                    throw new IllegalStateException("planned failure");
                }
                session.sendText(text);
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket healthy = RawWebSocket.open(server.port(), "/ws");
             RawWebSocket failing = RawWebSocket.open(server.port(), "/ws")) {
            failing.sendText("boom");
            assertEquals(1011, failing.readClose().closeCode());
            healthy.sendText("fine");
            assertEquals("fine", healthy.read().text());
        }
    }

    @Test
    void refusedCloseFrameIsStillThePeersCloseSoTcpClosesWithoutWaitingForTheTimeout() throws Exception {
        try (WsTestServer server = WsTestServer.echo(SMALL);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            long start = System.nanoTime();
            ws.sendFrame(0x08, new byte[0]);  // a close frame without FIN: fragmented control frame
            assertEquals(1002, ws.readClose().closeCode());
            assertTrue(ws.serverClosed());
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waited < SMALL.closeTimeout().toMillis(), "closed at once, not after the timeout: " + waited);
        }
    }

    @Test
    void abortDropsTcpWithoutACloseFrameAndReports1006() throws Exception {
        CompletableFuture<Integer> reported = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicInteger delivered = new java.util.concurrent.atomic.AtomicInteger();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onText(WebSocketSession session, String text) {
                delivered.incrementAndGet();
                session.abort();
            }

            @Override
            public void onClose(WebSocketSession session, int code, String reason) {
                reported.complete(code);
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            java.io.ByteArrayOutputStream two = new java.io.ByteArrayOutputStream();
            two.writeBytes(RawWebSocket.frame(0x81, bytes("first")));
            two.writeBytes(RawWebSocket.frame(0x81, bytes("second, same read")));
            ws.send(two.toByteArray());
            assertTrue(ws.serverClosed(), "dropped without any frame");
            assertEquals(CloseCodes.ABNORMAL, reported.get(10, TimeUnit.SECONDS));
            assertEquals(1, delivered.get(), "nothing is delivered after the abort");
        }
    }
}
