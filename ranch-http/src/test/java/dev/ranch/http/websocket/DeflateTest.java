package dev.ranch.http.websocket;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** permessage-deflate (RFC 7692): negotiation, both directions, context takeover, and the bomb. */
class DeflateTest {

    private static final WebSocketOptions DEFLATE = WebSocketOptions.builder().deflate(true).deflateMinSize(0).build();

    /** Compresses as a client does: raw deflate, sync flush, the 4-byte tail removed. */
    private static byte[] compress(Deflater deflater, byte[] data) {
        deflater.setInput(data);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        do {
            n = deflater.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH);
            out.write(buf, 0, n);
        } while (n == buf.length);
        byte[] all = out.toByteArray();
        return Arrays.copyOf(all, all.length - 4);
    }

    private static byte[] inflate(Inflater inflater, byte[] data) throws Exception {
        byte[] withTail = Arrays.copyOf(data, data.length + 4);
        withTail[data.length + 2] = (byte) 0xFF;
        withTail[data.length + 3] = (byte) 0xFF;
        inflater.setInput(withTail);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = inflater.inflate(buf)) > 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void offerIsAcceptedAndMessagesRoundTripCompressedWithContextTakeover() throws Exception {
        try (WsTestServer server = WsTestServer.echo(DEFLATE);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            RawWebSocket.Answer answer = ws.handshake("/ws",
                    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits");
            assertEquals(101, answer.status);
            assertEquals("permessage-deflate", answer.headers.get("sec-websocket-extensions"));
            Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            Inflater inflater = new Inflater(true);
            String text = "the same words again and again, the same words again and again ".repeat(20);
            for (int i = 0; i < 3; i++) {
                byte[] compressed = compress(deflater, (text + i).getBytes(StandardCharsets.UTF_8));
                ws.sendFrame(0x81 | 0x40, compressed);
                RawWebSocket.Frame echo = ws.read();
                assertEquals(4, echo.rsv, "RSV1: the echo is compressed");
                assertTrue(echo.payload.length < text.length() / 4, "compressed: " + echo.payload.length);
                assertEquals(text + i, new String(inflate(inflater, echo.payload), StandardCharsets.UTF_8));
            }
        }
    }

    /**
     * Found by FrameReaderFuzzTest: a message whose payload holds a DEFLATE stream ended by a
     * final block and then more data was inflated whole when the rest came in a later read, but
     * its rest was dropped when it came in the same read. Now the rest is a new stream either way.
     */
    @Test
    void dataAfterAFinalBlockIsANewStreamWhicheverReadItArrivesIn() throws Exception {
        Deflater ended = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        ended.setInput("Hello, ".getBytes(StandardCharsets.UTF_8));
        ended.finish();
        byte[] buf = new byte[256];
        byte[] first = Arrays.copyOf(buf, ended.deflate(buf));
        assertTrue(ended.finished());
        byte[] second = compress(new Deflater(Deflater.DEFAULT_COMPRESSION, true), "world".getBytes(StandardCharsets.UTF_8));
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        try (WsTestServer server = WsTestServer.echo(DEFLATE);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            assertEquals(101, ws.handshake("/ws", "Sec-WebSocket-Extensions: permessage-deflate; "
                    + "client_no_context_takeover; server_no_context_takeover").status);
            ws.sendFrame(0x81 | 0x40, both);  // one small frame: one read on loopback
            assertEquals("Hello, world", new String(inflate(new Inflater(true), ws.read().payload), StandardCharsets.UTF_8));
            ws.sendFrame(0x01 | 0x40, first);  // the same, the second stream in a frame of its own
            ws.sendFrame(0x80, second);
            assertEquals("Hello, world", new String(inflate(new Inflater(true), ws.read().payload), StandardCharsets.UTF_8));
        }
    }

    @Test
    void compressedMessageMayBeFragmented() throws Exception {
        try (WsTestServer server = WsTestServer.echo(DEFLATE);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            assertEquals(101, ws.handshake("/ws", "Sec-WebSocket-Extensions: permessage-deflate").status);
            byte[] compressed = compress(new Deflater(Deflater.DEFAULT_COMPRESSION, true),
                    "fragmented and compressed".getBytes(StandardCharsets.UTF_8));
            int half = compressed.length / 2;
            ws.sendFrame(0x01 | 0x40, Arrays.copyOf(compressed, half));
            ws.sendFrame(0x80, Arrays.copyOfRange(compressed, half, compressed.length));
            RawWebSocket.Frame echo = ws.read();
            assertEquals("fragmented and compressed",
                    new String(inflate(new Inflater(true), echo.payload), StandardCharsets.UTF_8));
        }
    }

    @Test
    void offersNeedingASmallServerWindowAreDeclinedAndTheNextOfferTaken() {
        try (WsTestServer server = WsTestServer.echo(DEFLATE)) {
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                RawWebSocket.Answer answer = ws.handshake("/ws",
                        "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10");
                assertEquals(101, answer.status);
                assertNull(answer.headers.get("sec-websocket-extensions"));
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                RawWebSocket.Answer answer = ws.handshake("/ws", "Sec-WebSocket-Extensions: "
                        + "permessage-deflate; server_max_window_bits=10, permessage-deflate; server_no_context_takeover");
                assertEquals("permessage-deflate; server_no_context_takeover",
                        answer.headers.get("sec-websocket-extensions"));
            }
            try (RawWebSocket ws = RawWebSocket.connect(server.port())) {
                RawWebSocket.Answer answer = ws.handshake("/ws",
                        "Sec-WebSocket-Extensions: permessage-deflate; unknown_param");
                assertNull(answer.headers.get("sec-websocket-extensions"));
            }
        }
    }

    @Test
    void serverNoContextTakeoverMakesEveryMessageIndependent() throws Exception {
        try (WsTestServer server = WsTestServer.echo(DEFLATE);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            ws.handshake("/ws", "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover");
            Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            for (int i = 0; i < 2; i++) {
                ws.sendFrame(0x81 | 0x40, compress(deflater, "repeat repeat repeat repeat".getBytes(StandardCharsets.UTF_8)));
                // A fresh inflater for each message works only if the server reset its context.
                assertEquals("repeat repeat repeat repeat",
                        new String(inflate(new Inflater(true), ws.read().payload), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void decompressionBombOf32MiBIs1009NotOutOfMemory() {
        WebSocketOptions options = WebSocketOptions.builder().deflate(true)
                .maxFrameSize(1024 * 1024).maxMessageSize(1024 * 1024).build();
        try (WsTestServer server = WsTestServer.echo(options);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            ws.handshake("/ws", "Sec-WebSocket-Extensions: permessage-deflate");
            byte[] bomb = compress(new Deflater(9, true), new byte[32 * 1024 * 1024]);
            assertTrue(bomb.length < 1024 * 1024, "the bomb fits in one frame: " + bomb.length);
            ws.sendFrame(0x82 | 0x40, bomb);
            assertEquals(1009, ws.readClose().closeCode());
        }
    }

    @Test
    void rsv1WithoutNegotiationIs1002() {
        try (WsTestServer server = WsTestServer.echo(DEFLATE);
             RawWebSocket ws = RawWebSocket.open(server.port(), "/ws")) {
            ws.sendFrame(0x81 | 0x40, new byte[] {1, 2, 3});
            assertEquals(1002, ws.readClose().closeCode());
        }
    }

    @Test
    void fragmentModeDeliversEachCompressedFrameInflated() throws Exception {
        java.util.List<String> pieces = new java.util.concurrent.CopyOnWriteArrayList<>();
        dev.ranch.http.router.Router router = dev.ranch.http.router.Router.builder().websocket("/ws", (req, hs) ->
                new WebSocketHandler() {
                    private final StringBuilder text = new StringBuilder();

                    @Override
                    public void onFragment(WebSocketSession session, MessageType type, boolean first, boolean last,
                                           java.nio.ByteBuffer data) {
                        String piece = StandardCharsets.UTF_8.decode(data).toString();
                        pieces.add(piece);
                        text.append(piece);
                        if (last) {
                            session.sendText(text.toString());
                            text.setLength(0);
                        }
                    }
                }, WebSocketOptions.builder().deflate(true).aggregate(false).build()).build();
        try (WsTestServer server = WsTestServer.start(router);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            ws.handshake("/ws", "Sec-WebSocket-Extensions: permessage-deflate");
            Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
            String message = "piece by piece, ".repeat(40);
            byte[] compressed = compress(deflater, message.getBytes(StandardCharsets.UTF_8));
            int third = compressed.length / 3;
            ws.sendFrame(0x01 | 0x40, Arrays.copyOf(compressed, third));
            ws.sendFrame(0x00, Arrays.copyOfRange(compressed, third, 2 * third));
            ws.sendFrame(0x80, Arrays.copyOfRange(compressed, 2 * third, compressed.length));
            RawWebSocket.Frame echo = ws.read();
            assertEquals(message, new String(inflate(new Inflater(true), echo.payload), StandardCharsets.UTF_8));
            assertEquals(3, pieces.size(), "one delivery per frame");
        }
    }

    @Test
    void emptyCompressedMessageAsTheFirstIsAnEmptyMessageNotACrash() throws Exception {
        try (WsTestServer server = WsTestServer.echo(DEFLATE);
             RawWebSocket ws = RawWebSocket.connect(server.port())) {
            assertEquals("permessage-deflate",
                    ws.handshake("/ws", "Sec-WebSocket-Extensions: permessage-deflate").headers.get("sec-websocket-extensions"));
            // RFC 7692 section 7.2.3.6: RSV1 with no payload is an empty message; nothing was inflated before it.
            ws.sendFrame(0x81 | 0x40, new byte[0]);
            RawWebSocket.Frame echo = ws.read();
            assertEquals(1, echo.opcode);
            Inflater inflater = new Inflater(true);
            assertEquals("", new String(inflate(inflater, echo.payload), StandardCharsets.UTF_8));
            ws.sendText("still open");
            assertEquals("still open", new String(inflate(inflater, ws.read().payload), StandardCharsets.UTF_8));
        }
    }

    @Test
    void sendOnTheLoopToASessionWhoseConnectionIsGoneIsDroppedAndTheSenderCarriesOn() {
        java.util.concurrent.atomic.AtomicReference<WebSocketSession> gone = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean goneClosed = new java.util.concurrent.atomic.AtomicBoolean();
        dev.ranch.http.router.Router router = dev.ranch.http.router.Router.builder()
                .websocket("/gone", (req, hs) -> new WebSocketHandler() {
                    @Override
                    public void onOpen(WebSocketSession session) {
                        gone.set(session);
                        session.sendText("welcome");  // compressed: the session's deflater exists
                    }

                    @Override
                    public void onClose(WebSocketSession session, int code, String reason) {
                        goneClosed.set(true);
                    }
                }, DEFLATE)
                .websocket("/broadcast", (req, hs) -> new WebSocketHandler() {
                    @Override
                    public void onText(WebSocketSession session, String text) {
                        gone.get().sendText(text);  // a broadcast that still lists the dead session
                        session.sendText(text);
                    }
                }, WebSocketOptions.DEFAULTS)
                .build();
        // One loop: the broadcaster runs on the dead session's loop thread, so its send acts at once.
        try (WsTestServer server = WsTestServer.start(router, dev.ranch.core.listener.ListenerOptions.builder(), 1);
             RawWebSocket broadcaster = RawWebSocket.open(server.port(), "/broadcast")) {
            try (RawWebSocket dead = RawWebSocket.connect(server.port())) {
                assertEquals(101, dead.handshake("/gone", "Sec-WebSocket-Extensions: permessage-deflate").status);
                assertEquals(4, dead.read().rsv, "the welcome came compressed");
            }  // TCP closed without a close frame, as a crashed or unplugged peer does
            org.awaitility.Awaitility.await().atMost(dev.ranch.core.test.Patience.PATIENCE).until(goneClosed::get);
            broadcaster.sendText("to everyone");
            RawWebSocket.Frame answer = broadcaster.read();
            assertEquals(1, answer.opcode, "the broadcaster's own echo, not a close: " + answer);
            assertEquals("to everyone", answer.text());
        }
    }
}
