package dev.ranch.http.internal.websocket;

import dev.ranch.http.websocket.CloseCodes;
import java.nio.charset.StandardCharsets;

/**
 * The rules a received frame must keep, as pure checks: each answers the {@link Violation} to
 * fail the connection with, or {@code null}. A header is judged as soon as it is complete,
 * before any of its payload is read; a close frame's body once it is whole. Every violation is
 * a constant, so judging allocates nothing. Stateless; any thread.
 */
final class FrameRules {

    /** A broken rule: the close code to fail the connection with, and a reason for the log and the close frame. */
    record Violation(int code, String reason) {}

    private static final Violation UNMASKED = protocolError("unmasked frame");
    private static final Violation TOP_BIT_LENGTH = protocolError("frame length with the top bit set");
    private static final Violation RESERVED_OPCODE = protocolError("reserved opcode");
    private static final Violation FRAGMENTED_CONTROL = protocolError("fragmented control frame");
    private static final Violation LONG_CONTROL = protocolError("control frame over 125 bytes");
    private static final Violation RSV_ON_CONTROL = protocolError("reserved bit on a control frame");
    private static final Violation RESERVED_BIT = protocolError("reserved bit set");
    private static final Violation ORPHAN_CONTINUATION = protocolError("continuation without a message");
    private static final Violation RSV1_ON_CONTINUATION = protocolError("RSV1 on a continuation frame");
    private static final Violation NESTED_MESSAGE = protocolError("new message inside a fragmented one");
    private static final Violation RSV1_WITHOUT_DEFLATE = protocolError("RSV1 without permessage-deflate");
    private static final Violation FRAME_TOO_BIG = new Violation(CloseCodes.MESSAGE_TOO_BIG, "frame too big");
    private static final Violation ONE_BYTE_CLOSE = protocolError("close frame of one byte");
    private static final Violation BAD_CLOSE_CODE = protocolError("invalid close code");
    private static final Violation CLOSE_REASON_NOT_UTF8 =
            new Violation(CloseCodes.INVALID_PAYLOAD, "close reason is not UTF-8");

    private FrameRules() {}

    private static Violation protocolError(String reason) {
        return new Violation(CloseCodes.PROTOCOL_ERROR, reason);
    }

    /**
     * Judges the header {@code reader} has just completed.
     *
     * @param messageInProgress whether a fragmented data message is open (its last frame not yet seen)
     * @param deflateAgreed whether permessage-deflate was agreed in the handshake
     * @param maxFrameSize the route's largest accepted payload
     */
    static Violation header(FrameReader reader, boolean messageInProgress, boolean deflateAgreed, int maxFrameSize) {
        int opcode = reader.opcode();
        long length = reader.length();
        int rsv = reader.rsv();
        if (!reader.masked()) {
            return UNMASKED;  // RFC 6455 section 5.1
        }
        if (length < 0) {
            return TOP_BIT_LENGTH;  // RFC 6455 section 5.2
        }
        if (opcode >= FrameReader.CLOSE) {
            if (opcode > FrameReader.PONG) {
                return RESERVED_OPCODE;  // RFC 6455 section 5.2
            }
            if (!reader.fin()) {
                return FRAGMENTED_CONTROL;  // RFC 6455 section 5.5
            }
            if (length > 125) {
                return LONG_CONTROL;  // RFC 6455 section 5.5
            }
            if (rsv != 0) {
                return RSV_ON_CONTROL;  // RFC 7692 section 6
            }
            return null;
        }
        if (opcode > FrameReader.BINARY) {
            return RESERVED_OPCODE;  // RFC 6455 section 5.2
        }
        if ((rsv & 3) != 0) {
            return RESERVED_BIT;  // RFC 6455 section 5.2
        }
        boolean rsv1 = rsv != 0;
        if (opcode == FrameReader.CONTINUATION) {
            if (!messageInProgress) {
                return ORPHAN_CONTINUATION;  // RFC 6455 section 5.4
            }
            if (rsv1) {
                return RSV1_ON_CONTINUATION;  // RFC 7692 section 6.1
            }
        } else {
            if (messageInProgress) {
                return NESTED_MESSAGE;  // RFC 6455 section 5.4
            }
            if (rsv1 && !deflateAgreed) {
                return RSV1_WITHOUT_DEFLATE;  // RFC 6455 section 5.2
            }
        }
        if (length > maxFrameSize) {
            return FRAME_TOO_BIG;  // RFC 6455 section 10.4
        }
        return null;
    }

    /**
     * Judges the body of a peer's close frame, {@code length} bytes of {@code body}: empty, or a
     * sendable code and a UTF-8 reason.
     */
    static Violation closeBody(byte[] body, int length) {
        if (length == 0) {
            return null;
        }
        if (length == 1) {
            return ONE_BYTE_CLOSE;  // RFC 6455 section 5.5.1
        }
        if (!CloseCodes.isSendable(closeCode(body))) {
            return BAD_CLOSE_CODE;  // RFC 6455 section 7.4
        }
        Utf8Validator utf8 = new Utf8Validator();
        if (utf8.check(body, 2, length - 2) >= 0 || !utf8.atBoundary()) {
            return CLOSE_REASON_NOT_UTF8;  // RFC 6455 sections 5.5.1, 8.1
        }
        return null;
    }

    /** The code of a close body judged by {@link #closeBody} (at least two bytes). */
    static int closeCode(byte[] body) {
        return ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
    }

    /** The reason of a close body judged by {@link #closeBody} (at least two bytes). */
    static String closeReason(byte[] body, int length) {
        return new String(body, 2, length - 2, StandardCharsets.UTF_8);
    }
}
