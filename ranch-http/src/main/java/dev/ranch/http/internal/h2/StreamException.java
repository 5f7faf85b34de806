package dev.ranch.http.internal.h2;

/**
 * A stream error (RFC 9113 §5.4.2): the stream is reset with {@link #code()}, the connection
 * carries on. Thrown on the loop thread, caught where the frame for the stream is handled.
 */
final class StreamException extends Exception {

    private static final long serialVersionUID = 1L;

    private final int streamId;
    private final int code;

    StreamException(int streamId, int code, String message) {
        super(message, null, false, false);
        this.streamId = streamId;
        this.code = code;
    }

    int streamId() {
        return streamId;
    }

    /** The {@link ErrorCode} to send in {@code RST_STREAM}. */
    int code() {
        return code;
    }
}
