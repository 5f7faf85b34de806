package dev.ranch.http.internal.h2;

import dev.ranch.http.Http2Options;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static dev.ranch.http.internal.h2.ErrorCode.ENHANCE_YOUR_CALM;

/**
 * The header block coming in, assembled from a HEADERS frame and the CONTINUATION frames after it
 * (RFC 9113 §6.10), with the HEADERS frame's stream, END_STREAM flag and dependency, held to
 * {@link Http2Options#maxHeaderBlockBytes()} and {@link Http2Options#maxContinuationFrames()}.
 * A block that arrives whole in its HEADERS frame is never copied. One per connection, reused
 * for every block. Owner thread (the connection's loop).
 */
final class InboundHeaderBlock {

    private static final int KEPT_CAPACITY = 4096;

    private final Http2Options limits;
    private int streamId;
    private boolean endStream;
    private int dependency;
    private byte[] bytes;
    private int length;
    private int continuations;

    InboundHeaderBlock(Http2Options limits) {
        this.limits = limits;
    }

    /**
     * A HEADERS frame starts a block on {@code streamId}.
     *
     * @throws Http2Exception ENHANCE_YOUR_CALM when {@code fragment} alone is above maxHeaderBlockBytes
     */
    void begin(int streamId, boolean endStream, int dependency, ByteBuffer fragment) throws Http2Exception {
        this.streamId = streamId;
        this.endStream = endStream;
        this.dependency = dependency;
        continuations = 0;
        length = 0;
        if (fragment.remaining() > limits.maxHeaderBlockBytes()) {
            throw new Http2Exception(ENHANCE_YOUR_CALM, "header block above maxHeaderBlockBytes");
        }
    }

    /**
     * Keeps (copies) a fragment of a block that goes on in CONTINUATION frames.
     *
     * @throws Http2Exception ENHANCE_YOUR_CALM when the block grows above maxHeaderBlockBytes
     */
    void append(ByteBuffer fragment) throws Http2Exception {
        int n = fragment.remaining();
        if (n > limits.maxHeaderBlockBytes() - length) {
            throw new Http2Exception(ENHANCE_YOUR_CALM, "header block above maxHeaderBlockBytes");
        }
        if (bytes == null || bytes.length < length + n) {
            bytes = Arrays.copyOf(bytes == null ? new byte[0] : bytes, Math.max(length + n, 1024));
        }
        fragment.get(bytes, length, n);
        length += n;
    }

    /**
     * A CONTINUATION frame's fragment: counted, then kept.
     *
     * @throws Http2Exception ENHANCE_YOUR_CALM above maxContinuationFrames or maxHeaderBlockBytes
     */
    void continuation(ByteBuffer fragment) throws Http2Exception {
        if (++continuations > limits.maxContinuationFrames()) {
            // CVE-2024-27316 class: a block kept open with endless CONTINUATION frames.
            throw new Http2Exception(ENHANCE_YOUR_CALM, "more than maxContinuationFrames CONTINUATION frames");
        }
        append(fragment);
    }

    /** The fragments kept so far, as one buffer over the block's array (valid until the next block). */
    ByteBuffer whole() {
        return ByteBuffer.wrap(bytes, 0, length);
    }

    /** The block was decoded: one large block does not pin its array for the connection's life. */
    void decoded() {
        if (bytes.length > KEPT_CAPACITY) {
            bytes = null;
        }
    }

    /** The stream of the HEADERS frame that started the block. */
    int streamId() {
        return streamId;
    }

    /** Whether that HEADERS frame carried END_STREAM. */
    boolean endStream() {
        return endStream;
    }

    /** The stream that HEADERS frame depends on when it carried a priority, else 0. */
    int dependency() {
        return dependency;
    }
}
