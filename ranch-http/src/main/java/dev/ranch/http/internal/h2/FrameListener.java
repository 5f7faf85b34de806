package dev.ranch.http.internal.h2;

import java.nio.ByteBuffer;

/**
 * What {@link FrameReader} reports, one call per frame that passed the checks of RFC 9113
 * §6 that need no connection state. Payload buffers are views valid only during the call,
 * with padding removed. Loop thread.
 */
interface FrameListener {

    /** A DATA frame; {@code flowLength} is the whole payload with padding, as flow control counts it (§6.9). */
    void onData(int streamId, ByteBuffer data, boolean endStream, int flowLength) throws Http2Exception;

    /**
     * A HEADERS frame; {@code dependency} is the stream it depends on when it carries a
     * priority, else 0 (priorities are otherwise ignored, §5.3.2).
     */
    void onHeaders(int streamId, ByteBuffer fragment, boolean endStream, boolean endHeaders, int dependency)
            throws Http2Exception;

    /** A CONTINUATION frame of the header block open on {@code streamId}. */
    void onContinuation(int streamId, ByteBuffer fragment, boolean endHeaders) throws Http2Exception;

    /** A PRIORITY frame (well formed, so only counted). */
    void onPriority(int streamId) throws Http2Exception;

    void onRstStream(int streamId, int errorCode) throws Http2Exception;

    /** A SETTINGS frame: {@code payload} holds its 6-byte entries (none for an ACK). */
    void onSettings(boolean ack, ByteBuffer payload) throws Http2Exception;

    void onPing(boolean ack, long data) throws Http2Exception;

    void onGoAway(int lastStreamId, int errorCode) throws Http2Exception;

    void onWindowUpdate(int streamId, int increment) throws Http2Exception;

    /** Whether reading should stop (the connection is closing): checked between frames. */
    boolean stopped();

    /** A frame of a type RFC 9113 does not define: ignored (§4.1, §5.5), but counted. */
    void onUnknown(int type) throws Http2Exception;
}
