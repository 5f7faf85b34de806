package dev.ranch.http.internal.h2;

/** Frame types and flags of RFC 9113 §6, and the frame header's size (§4.1). */
final class FrameType {

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int PRIORITY = 0x2;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int PUSH_PROMISE = 0x5;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int WINDOW_UPDATE = 0x8;
    static final int CONTINUATION = 0x9;

    static final int FLAG_END_STREAM = 0x1;
    static final int FLAG_ACK = 0x1;
    static final int FLAG_END_HEADERS = 0x4;
    static final int FLAG_PADDED = 0x8;
    static final int FLAG_PRIORITY = 0x20;

    /** Length (24 bits), type, flags, stream identifier (31 bits after a reserved bit). */
    static final int HEADER_LENGTH = 9;
    /** The frame size every peer accepts (RFC 9113 §4.2); the server never sends larger. */
    static final int DEFAULT_MAX_FRAME = 16_384;

    private FrameType() {}
}
