package dev.ranch.http.internal.h2;

/** The error codes of RFC 9113 §7, carried by {@code RST_STREAM} and {@code GOAWAY}. */
final class ErrorCode {

    static final int NO_ERROR = 0x0;
    static final int PROTOCOL_ERROR = 0x1;
    static final int INTERNAL_ERROR = 0x2;
    static final int FLOW_CONTROL_ERROR = 0x3;
    static final int SETTINGS_TIMEOUT = 0x4;
    static final int STREAM_CLOSED = 0x5;
    static final int FRAME_SIZE_ERROR = 0x6;
    static final int REFUSED_STREAM = 0x7;
    static final int CANCEL = 0x8;
    static final int COMPRESSION_ERROR = 0x9;
    static final int CONNECT_ERROR = 0xa;
    static final int ENHANCE_YOUR_CALM = 0xb;
    static final int INADEQUATE_SECURITY = 0xc;
    static final int HTTP_1_1_REQUIRED = 0xd;

    private static final String[] NAMES = {"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
        "SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
        "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"};

    private ErrorCode() {}

    /** The code's name, or its hex value for one RFC 9113 does not define. */
    static String name(int code) {
        return code >= 0 && code < NAMES.length ? NAMES[code] : "0x" + Integer.toHexString(code);
    }
}
