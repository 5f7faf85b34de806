package dev.ranch.http.internal.h2;

/**
 * A connection error (RFC 9113 §5.4.1): the connection answers {@code GOAWAY} with {@link
 * #code()} and closes. Thrown on the loop thread by the frame reader and the connection,
 * caught by the connection's read loop.
 */
final class Http2Exception extends Exception {

    private static final long serialVersionUID = 1L;

    private final int code;

    Http2Exception(int code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** The {@link ErrorCode} to send in {@code GOAWAY}. */
    int code() {
        return code;
    }
}
