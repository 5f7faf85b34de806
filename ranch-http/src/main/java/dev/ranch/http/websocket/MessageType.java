package dev.ranch.http.websocket;

/** The type of a WebSocket data message (RFC 6455 section 5.6), which all its fragments share. */
public enum MessageType {
    /** UTF-8 text (opcode 0x1). */
    TEXT,
    /** Binary data (opcode 0x2). */
    BINARY
}
