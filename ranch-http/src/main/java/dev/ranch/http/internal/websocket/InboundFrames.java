package dev.ranch.http.internal.websocket;

import dev.ranch.http.websocket.CloseCodes;
import dev.ranch.http.websocket.MessageType;
import dev.ranch.http.websocket.WebSocketHandler;
import dev.ranch.http.websocket.WebSocketOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * The reading half of one WebSocket: frames read straight from the loop's read buffer, headers
 * through the {@link FrameReader}, payloads unmasked in place. A whole unfragmented frame that
 * arrived in one read is delivered where it lies, with no copy; anything else gathers in the
 * {@link InboundMessage}. Every rule ({@link FrameRules}) is checked as soon as the bytes that
 * break it arrive, and a broken rule fails the session: one close frame with the code, then
 * input is only scanned for the peer's close frame (so the TCP close never races unread input
 * into a reset). Pings are answered; the peer's close frame goes to the {@link CloseHandshake}.
 * Owner thread (the connection's loop).
 */
final class InboundFrames {

    private static final Logger LOG = LoggerFactory.getLogger(InboundFrames.class);

    private final WebSocketConnection session;
    private final WebSocketHandler handler;
    private final WebSocketOptions options;
    private final boolean compressed;
    private final FrameSender sender;
    private final CloseHandshake closing;
    private final FrameReader reader = new FrameReader();
    private final InboundMessage message;
    private final byte[] control = new byte[125];
    private int controlLength;
    /** After our close frame: input is only scanned for the peer's close frame. */
    private boolean dropping;
    /** Input can no longer even be split into frames: it is discarded until the end. */
    private boolean discarding;
    private boolean ended;

    InboundFrames(WebSocketConnection session, WebSocketHandler handler, WebSocketOptions options,
                  PerMessageDeflate deflate, FrameSender sender, CloseHandshake closing) {
        this.session = session;
        this.handler = handler;
        this.options = options;
        this.compressed = deflate != null;
        this.sender = sender;
        this.closing = closing;
        this.message = new InboundMessage(options.maxMessageSize(), deflate);
    }

    /**
     * Reads the frames in {@code in}, delivering what completes to the handler, answering pings
     * and handing the peer's close frame to the {@link CloseHandshake}; stops when the input has
     * ended. A broken rule fails the session.
     */
    void read(ByteBuffer in) {
        while (in.hasRemaining() && !ended) {
            if (discarding) {
                in.position(in.limit());
                return;
            }
            if (!reader.inPayload()) {
                if (!reader.readHeader(in)) {
                    return;
                }
                if (dropping) {
                    if (reader.length() < 0) {
                        discarding = true;
                        continue;
                    }
                } else if (!frameStarts() && discarding) {
                    continue;
                }
                // A refused frame falls through to be skipped whole (it may be the peer's close).
            }
            if (dropping) {
                int n = (int) Math.min(in.remaining(), reader.left());
                in.position(in.position() + n);
                reader.passed(n);
                if (!reader.inPayload() && reader.opcode() == FrameReader.CLOSE) {
                    closing.received();
                    closing.closeTcp();  // both close frames are exchanged
                }
                continue;
            }
            if (reader.left() == 0) {
                reader.passed(0);
                frameEnds(in);
                continue;
            }
            payload(in);
        }
    }

    /**
     * Judges a complete header ({@link FrameRules}); a violation fails the connection.
     *
     * @return whether the frame is acceptable
     */
    private boolean frameStarts() {
        FrameRules.Violation broken = FrameRules.header(reader, message.inProgress(), compressed,
                options.maxFrameSize());
        if (broken != null) {
            return fail(broken.code(), broken.reason());
        }
        int opcode = reader.opcode();
        if (opcode >= FrameReader.CLOSE) {
            controlLength = 0;
        } else if (opcode != FrameReader.CONTINUATION) {
            message.begin(opcode, reader.rsv() != 0);
        }
        return true;
    }

    private void payload(ByteBuffer in) {
        int n = reader.unmask(in);
        if (n == 0) {
            return;
        }
        int start = in.position();
        if (reader.opcode() >= FrameReader.CLOSE) {
            in.get(control, controlLength, n);
            controlLength += n;
            reader.passed(n);
            if (!reader.inPayload()) {
                frameEnds(in);
            }
            return;
        }
        boolean whole = n == reader.left() && n == reader.length();
        boolean fin = reader.fin();
        if (whole && !message.isCompressed() && message.nothingGathered() && (fin || !options.aggregate())) {
            // The whole frame lies in the read buffer and completes what is to be delivered: no copy.
            int code = message.inPlace(in, n);
            if (code == 0 && fin) {
                code = message.finish();
            }
            reader.passed(n);
            if (code != 0) {
                in.position(start + n);
                fail(code, code == CloseCodes.INVALID_PAYLOAD ? "text is not UTF-8" : "message too big");
                return;
            }
            int limit = in.limit();
            in.limit(start + n);
            try {
                deliver(in, fin);
            } finally {
                in.limit(limit);
                in.position(start + n);
            }
            message.delivered(fin);
            return;
        }
        int code = message.append(in, n);
        in.position(start + n);
        reader.passed(n);
        if (code != 0) {
            fail(code, code == CloseCodes.INVALID_PAYLOAD ? "text is not UTF-8" : "message too big");
            return;
        }
        if (!reader.inPayload()) {
            frameEnds(in);
        }
    }

    /** A frame's payload is complete (data frames that were not delivered in place, and control frames). */
    private void frameEnds(ByteBuffer in) {
        int opcode = reader.opcode();
        if (opcode >= FrameReader.CLOSE) {
            controlFrame(opcode);
            return;
        }
        boolean fin = reader.fin();
        if (fin) {
            int code = message.finish();
            if (code != 0) {
                fail(code, code == CloseCodes.INVALID_PAYLOAD ? "text is not UTF-8" : "message too big");
                return;
            }
        } else if (options.aggregate()) {
            return;  // more fragments to gather
        }
        deliver(message.gathered(), fin);
        message.delivered(fin);
    }

    private void deliver(ByteBuffer data, boolean last) {
        try {
            if (!options.aggregate()) {
                handler.onFragment(session, message.isText() ? MessageType.TEXT : MessageType.BINARY, !message.firstDelivered(), last, data);
            } else if (message.isText()) {
                handler.onTextBytes(session, data);
            } else {
                handler.onBinary(session, data);
            }
        } catch (Throwable t) {
            session.handlerFailed(t);
        }
    }

    private void controlFrame(int opcode) {
        ByteBuffer payload = ByteBuffer.wrap(control, 0, controlLength);
        try {
            if (opcode == FrameReader.PING) {
                // RFC 6455 section 5.5.2: answer with a pong carrying the ping's payload.
                sender.control(FrameReader.PONG, payload.duplicate());
                handler.onPing(session, payload);
            } else if (opcode == FrameReader.PONG) {
                handler.onPong(session, payload);
            } else {
                peerCloses();
            }
        } catch (Throwable t) {
            session.handlerFailed(t);
        }
    }

    /** The peer's close frame (RFC 6455 section 5.5.1): judge it, answer it once, close TCP. */
    private void peerCloses() {
        closing.received();
        FrameRules.Violation broken = FrameRules.closeBody(control, controlLength);
        if (broken != null) {
            fail(broken.code(), broken.reason());
            closing.closeTcp();
            return;
        }
        closing.answer(control, controlLength);
    }

    /** Fails the session (RFC 6455 section 7.1.7): one close frame, then wait for the peer's. */
    private boolean fail(int code, String why) {
        LOG.debug("connection {}: failing WebSocket with {}: {}", session.connection().id(), code, why);
        message.abandon();
        dropping = true;
        if (reader.length() < 0) {
            discarding = true;  // the rest of this frame cannot be skipped: nothing after it can be framed
        }
        closing.startClose(code, why);
        return false;
    }

    /** Our close frame went out: from now on input is only scanned for the peer's close frame. */
    void stopDelivering() {
        dropping = true;
        message.abandon();
    }

    /** The input has ended (TCP is closing, or the session was aborted): the rest of the current read is not looked at. */
    void stopReading() {
        ended = true;
    }

    /** Drops the message being gathered, for good (the connection closed). */
    void abandon() {
        message.abandon();
    }
}
