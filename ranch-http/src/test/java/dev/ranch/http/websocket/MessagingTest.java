package dev.ranch.http.websocket;

import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fragmentation, control frames in between, sends from other threads, the mailbox and back-pressure. */
class MessagingTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void fragmentedMessageWithInterleavedPingsIsReassembledAndEachPingAnsweredFirst() {
        try (WsTestServer server = WsTestServer.echo(WebSocketOptions.DEFAULTS);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            ws.sendFrame(0x01, bytes("Hel"));
            ws.sendFrame(0x89, bytes("p1"));
            ws.sendFrame(0x00, bytes("lo, "));
            ws.sendFrame(0x89, bytes("p2"));
            ws.sendFrame(0x80, bytes("wörld"));
            RawWebSocket.Frame pong1 = ws.read();
            RawWebSocket.Frame pong2 = ws.read();
            RawWebSocket.Frame text = ws.read();
            assertEquals(0xA, pong1.opcode);
            assertEquals("p1", pong1.text());
            assertEquals("p2", pong2.text());
            assertEquals(0x1, text.opcode);
            assertTrue(text.fin);
            assertEquals("Hello, wörld", text.text());
        }
    }

    @Test
    void messageSplitIntoSingleBytesOnTheWireArrivesWhole() {
        try (WsTestServer server = WsTestServer.echo(WebSocketOptions.DEFAULTS);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            byte[] payload = new byte[300];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) i;
            }
            byte[] frame = RawWebSocket.frame(0x82, payload);
            for (byte b : frame) {
                ws.send(new byte[] {b});
            }
            RawWebSocket.Frame echo = ws.read();
            assertArrayEquals(payload, echo.payload);
        }
    }

    @Test
    void fragmentModeDeliversFrameByFrameAndCanEchoFrameByFrame() {
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onFragment(WebSocketSession session, MessageType type, boolean first, boolean last, ByteBuffer data) {
                if (last) {
                    session.sendLastFragment(type, data);
                } else {
                    session.sendFragment(type, data);
                }
            }
        }, WebSocketOptions.builder().aggregate(false).build()).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            ws.sendFrame(0x01, bytes("one "));
            ws.sendFrame(0x00, bytes("two "));
            ws.sendFrame(0x80, bytes("three"));
            RawWebSocket.Frame a = ws.read();
            RawWebSocket.Frame b = ws.read();
            RawWebSocket.Frame c = ws.read();
            assertEquals(0x1, a.opcode);
            assertFalse(a.fin);
            assertEquals("one ", a.text());
            assertEquals(0x0, b.opcode);
            assertEquals("two ", b.text());
            assertEquals(0x0, c.opcode);
            assertTrue(c.fin);
            assertEquals("three", c.text());
        }
    }

    @Test
    void sendsFromOtherThreadsArriveInEachThreadsOrder() throws Exception {
        int perThread = 2000;
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                for (String name : new String[] {"a", "b"}) {
                    Thread t = new Thread(() -> {
                        for (int i = 0; i < perThread; i++) {
                            session.sendText(name + i);
                        }
                    });
                    t.start();
                }
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            int nextA = 0;
            int nextB = 0;
            for (int i = 0; i < 2 * perThread; i++) {
                String text = ws.read().text();
                if (text.startsWith("a")) {
                    assertEquals("a" + nextA++, text);
                } else {
                    assertEquals("b" + nextB++, text);
                }
            }
            assertEquals(perThread, nextA);
            assertEquals(perThread, nextB);
        }
    }

    @Test
    void postedMessagesReachOnMessageOnTheLoopInOrder() throws Exception {
        CompletableFuture<WebSocketSession> opened = new CompletableFuture<>();
        List<Boolean> onLoop = new CopyOnWriteArrayList<>();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                opened.complete(session);
            }

            @Override
            public void onMessage(WebSocketSession session, Object message) {
                onLoop.add(session.inLoop());
                session.sendText("got " + message);
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            WebSocketSession session = opened.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 100; i++) {
                assertTrue(session.post(i));
            }
            session.connection().send("via connection");
            for (int i = 0; i < 100; i++) {
                assertEquals("got " + i, ws.read().text());
            }
            assertEquals("got via connection", ws.read().text());
            assertFalse(onLoop.contains(false));
        }
    }

    @Test
    void mailTheClosingSessionNeverDeliveredGoesToOnUndeliveredJustBeforeOnClose() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onText(WebSocketSession session, String text) {
                // Taken by the mailbox while this callback holds the loop, then the session is
                // dropped before the loop can deliver them.
                for (int i = 1; i <= 3; i++) {
                    events.add("posted mail" + i + " " + session.post("mail" + i));
                }
                session.abort();
            }

            @Override
            public void onMessage(WebSocketSession session, Object message) {
                events.add("delivered " + message);
            }

            @Override
            public void onUndelivered(WebSocketSession session, Object message) {
                events.add("undelivered " + message + (session.inLoop() ? "" : " off the loop"));
                if ("mail2".equals(message)) {
                    throw new IllegalStateException("a failing onUndelivered does not lose the next message");
                }
            }

            @Override
            public void onClose(WebSocketSession session, int code, String reason) {
                events.add("closed " + code);
                closed.complete(null);
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            ws.sendText("go");
            closed.get(10, TimeUnit.SECONDS);
            assertEquals(List.of("posted mail1 true", "posted mail2 true", "posted mail3 true",
                    "undelivered mail1", "undelivered mail2", "undelivered mail3",
                    "closed " + CloseCodes.ABNORMAL), events);
        }
    }

    @Test
    void slowReaderMakesTheSessionUnwritableAndTheHandlerMayCloseWith1013() throws Exception {
        CompletableFuture<Long> bufferedWhenUnwritable = new CompletableFuture<>();
        byte[] chunk = new byte[16 * 1024];
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onText(WebSocketSession session, String text) {
                while (session.isWritable()) {
                    session.sendBinary(chunk);
                }
            }

            @Override
            public void onWritabilityChanged(WebSocketSession session, boolean writable) {
                if (!writable) {
                    bufferedWhenUnwritable.complete(session.bufferedAmount());
                    session.close(CloseCodes.TRY_AGAIN_LATER, "too slow");
                }
            }
        }).build();
        ListenerOptions.Builder small = ListenerOptions.builder().sendBufferSize(16 * 1024)
                .writeHighWatermark(256 * 1024).writeLowWatermark(128 * 1024);
        try (WsTestServer server = WsTestServer.start(router, small);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            ws.sendText("go");
            long buffered = bufferedWhenUnwritable.get(10, TimeUnit.SECONDS);
            assertTrue(buffered >= 256 * 1024, "queued past the high watermark: " + buffered);
            int binaries = 0;
            RawWebSocket.Frame f = ws.read();
            while (f.opcode == 0x2) {
                binaries++;
                f = ws.read();
            }
            assertEquals(1013, f.closeCode());
            assertTrue(binaries * (long) chunk.length >= 256 * 1024, "everything queued arrived first: " + binaries);
        }
    }

    @Test
    void removeFromCountFreesTheListenerSlotAfterTheUpgrade() {
        WebSocketOptions options = WebSocketOptions.builder().removeFromCount(true).build();
        try (WsTestServer server = WsTestServer.echo(options)) {
            List<RawWebSocket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    clients.add(RawWebSocket.open(server.port(), "/ws"));
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> server.listener.info().allConnections() == 3);
                assertEquals(0, server.listener.info().activeConnections());
            } finally {
                clients.forEach(RawWebSocket::close);
            }
        }
    }

    @Test
    void gracefulStopClosesEverySessionWith1001() {
        WsTestServer server = WsTestServer.echo(WebSocketOptions.DEFAULTS);
        try (RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            Thread stopper = new Thread(server::close);
            stopper.start();
            RawWebSocket.Frame close = ws.readClose();
            assertEquals(1001, close.closeCode());
            ws.sendClose(1001, "");
            assertTrue(ws.serverClosed());
        } finally {
            server.close();
        }
    }

    @Test
    void textSentAsCharactersIsEncodedExactlyAsStringGetBytes() {
        String[] texts = {"", "plain", "héllo", "€uro", "smile 😀 twice 😀", "lone \uD800 high", "lone \uDC00 low",
            "end high \uD83D", "ünïcödé ".repeat(3000)};
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                for (String t : texts) {
                    session.sendText(t);
                }
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            for (String t : texts) {
                assertArrayEquals(t.getBytes(StandardCharsets.UTF_8), ws.read().payload, t);
            }
        }
    }

    @Test
    void closeFromAnotherThreadWhileOthersSendEndsTheStreamWithOneCloseFrame() throws Exception {
        CompletableFuture<WebSocketSession> opened = new CompletableFuture<>();
        Router router = Router.builder().websocket("/ws", (req, hs) -> new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                opened.complete(session);
            }
        }).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            WebSocketSession session = opened.get(10, TimeUnit.SECONDS);
            List<Thread> senders = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                Thread sender = new Thread(() -> {
                    for (int i = 0; i < 5000; i++) {
                        session.sendText("m" + i);
                    }
                });
                senders.add(sender);
                sender.start();
            }
            Thread closer = new Thread(() -> session.close(4000, "enough"));
            closer.start();
            int data = 0;
            RawWebSocket.Frame f = ws.read();
            while (f.opcode == 0x1) {
                data++;
                f = ws.read();
            }
            assertEquals(4000, f.closeCode(), "after the data, the close frame: " + f);
            for (Thread sender : senders) {
                sender.join(10_000);
            }
            ws.sendClose(4000, "");
            assertTrue(ws.serverClosed(), "nothing after the close frame, then the TCP close (" + data + " messages)");
            assertFalse(session.isOpen());
        }
    }
}
