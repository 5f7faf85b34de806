package dev.ranch.http.internal.websocket;

import dev.ranch.http.websocket.MessageType;
import dev.ranch.http.websocket.RecordingConnection;
import dev.ranch.http.websocket.WebSocketHandler;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.http.websocket.WebSocketSession;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.ranch.core.test.Splits;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Coverage-guided fuzzing of the WebSocket read path (docs/fuzzing.md): the real
 * {@link WebSocketConnection} with its {@link FrameReader}, {@link FrameRules},
 * {@link InboundMessage} and permessage-deflate inflation ({@link PerMessageDeflate}), fed
 * client bytes through a {@link RecordingConnection}. Whatever the bytes, with or without
 * deflate, aggregated or frame by frame:
 * <ul>
 *   <li>{@code onData} never throws: every bad frame ends in a close frame;</li>
 *   <li>no message delivered (after inflation) is larger than {@code maxMessageSize}, and every
 *       text message is UTF-8 the JDK's strict decoder accepts;</li>
 *   <li>what the server writes is well-formed unmasked frames, and a close code it sends is
 *       one RFC 6455 section 7.4 lets travel on the wire;</li>
 *   <li>the handler sees the same events and the client the same bytes whether the input
 *       arrives whole or in the pieces the fuzzer chose.</li>
 * </ul>
 *
 * <p>Input layout: the client's bytes after the handshake, then eight bytes (taken from the
 * end): bit 2 turns permessage-deflate on, bit 3 frame-by-frame delivery, bit 4
 * client_no_context_takeover; the rest chooses the cuts. Without JAZZER_FUZZ this replays
 * {@code FrameReaderFuzzTestInputs/...}.
 */
class FrameReaderFuzzTest {

    private static final int MAX_MESSAGE = 4096;
    private static final int MAX_FRAME = 2048;

    /** What the handler saw and the client got. */
    private record Outcome(List<String> events, String written) {}

    @FuzzTest(maxDuration = "5m")
    void frameReadingAgreesWithItselfAndKeepsItsLimits(FuzzedDataProvider data) {
        long choice = data.consumeLong();
        byte[] input = data.consumeRemainingAsBytes();
        Outcome whole = run(List.of(ByteBuffer.wrap(input.clone())), choice);
        Outcome split = run(Splits.pieces(input, choice), choice);
        assertEquals(whole, split, "whole vs split");
    }

    private static Outcome run(List<ByteBuffer> pieces, long choice) {
        boolean deflate = (choice & 4) != 0;
        boolean aggregate = (choice & 8) == 0;
        WebSocketOptions options = WebSocketOptions.builder()
                .maxMessageSize(MAX_MESSAGE)
                .maxFrameSize(MAX_FRAME)
                .aggregate(aggregate)
                .deflate(deflate)
                .build();
        String offer = (choice & 16) != 0 ? "permessage-deflate; client_no_context_takeover" : "permessage-deflate";
        PerMessageDeflate agreed = deflate ? PerMessageDeflate.negotiate(List.of(offer), options) : null;
        Recorder handler = new Recorder(aggregate);
        RecordingConnection connection = new RecordingConnection();
        WebSocketConnection ws = new WebSocketConnection(handler, options, null, new byte[0], null, agreed);
        ws.init(connection);
        try {
            for (ByteBuffer piece : pieces) {
                if (!connection.isOpen()) {
                    break;  // the core stops reading a closed connection
                }
                // The core hands the protocol a read buffer that it may leave partly unread; what is left is
                // offered again with the next bytes. A direct copy, as the loop's read buffer is direct.
                ByteBuffer read = ByteBuffer.allocateDirect(piece.remaining()).put(piece).flip();
                ws.onData(connection, read);
                assertTrue(!read.hasRemaining() || !connection.isOpen(), "onData left bytes unread");
                Splits.scribble(piece);
            }
        } catch (RuntimeException e) {
            fail("onData threw", e);
        } finally {
            ws.onClose(connection, null);  // frees the inflater's native memory
        }
        byte[] out = connection.written.toByteArray();
        checkServerFrames(out);
        return new Outcome(handler.events, HexFormat.of().formatHex(out));
    }

    /** Records deliveries, checking size and UTF-8 of each complete message. */
    private static final class Recorder implements WebSocketHandler {
        final List<String> events = new ArrayList<>();
        private final boolean aggregate;
        private final java.io.ByteArrayOutputStream message = new java.io.ByteArrayOutputStream();

        Recorder(boolean aggregate) {
            this.aggregate = aggregate;
        }

        @Override
        public void onTextBytes(WebSocketSession session, ByteBuffer utf8) {
            byte[] bytes = take(utf8);
            checkMessage(true, bytes);
            events.add("text " + HexFormat.of().formatHex(bytes));
        }

        @Override
        public void onBinary(WebSocketSession session, ByteBuffer data) {
            byte[] bytes = take(data);
            checkMessage(false, bytes);
            events.add("binary " + HexFormat.of().formatHex(bytes));
        }

        @Override
        public void onFragment(WebSocketSession session, MessageType type, boolean first, boolean last, ByteBuffer data) {
            assertTrue(!aggregate, "a fragment while aggregating");
            boolean text = type == MessageType.TEXT;
            if (first) {
                message.reset();
            }
            byte[] bytes = take(data);
            message.writeBytes(bytes);
            assertTrue(message.size() <= MAX_MESSAGE, () -> "message of " + message.size() + " bytes delivered");
            if (last) {
                checkMessage(text, message.toByteArray());
            }
            events.add("fragment " + text + first + last + " " + HexFormat.of().formatHex(bytes));
        }

        @Override
        public void onPing(WebSocketSession session, ByteBuffer payload) {
            events.add("ping " + HexFormat.of().formatHex(take(payload)));
        }

        @Override
        public void onPong(WebSocketSession session, ByteBuffer payload) {
            events.add("pong " + HexFormat.of().formatHex(take(payload)));
        }

        @Override
        public void onClose(WebSocketSession session, int code, String reason) {
            events.add("close " + code + " " + reason);
        }

        private static byte[] take(ByteBuffer b) {
            byte[] bytes = new byte[b.remaining()];
            b.get(bytes);
            return bytes;
        }

        private static void checkMessage(boolean text, byte[] bytes) {
            assertTrue(bytes.length <= MAX_MESSAGE, () -> "message of " + bytes.length + " bytes delivered");
            if (text) {
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
                } catch (CharacterCodingException e) {
                    fail("text message that is not UTF-8 delivered: " + HexFormat.of().formatHex(bytes));
                }
            }
        }
    }

    /** The server's frames: unmasked, final, pong or close, and close codes that may travel (RFC 6455 section 7.4). */
    private static void checkServerFrames(byte[] out) {
        ByteBuffer b = ByteBuffer.wrap(out);
        while (b.hasRemaining()) {
            assertTrue(b.remaining() >= 2, "truncated frame header");
            int b0 = b.get() & 0xFF;
            int b1 = b.get() & 0xFF;
            assertEquals(0, b1 & 0x80, "a server frame is never masked");
            int opcode = b0 & 0x0F;
            assertTrue(opcode == FrameReader.PONG || opcode == FrameReader.CLOSE, "server wrote opcode " + opcode);
            assertEquals(0x80, b0 & 0xF0, "control frames are final, without RSV bits");
            int length = b1 & 0x7F;
            assertTrue(length <= 125, "control frame payload of " + length);
            assertTrue(b.remaining() >= length, "truncated frame payload");
            if (opcode == FrameReader.CLOSE && length >= 2) {
                int code = b.getShort(b.position()) & 0xFFFF;
                // RFC 6455 section 7.4.1, plus 1012-1014 which the IANA WebSocket close code
                // registry added later (a peer's 1014 is echoed back, as section 5.5.1 invites).
                boolean allowed = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014)
                        || (code >= 3000 && code <= 4999);
                assertTrue(allowed, "close code " + code + " sent");
            }
            b.position(b.position() + length);
        }
    }
}
