package dev.ranch.http.internal.websocket;

import dev.ranch.http.websocket.CloseCodes;
import java.nio.ByteBuffer;

/**
 * The data message being received on one connection: its type, its size so far (after
 * inflation), its UTF-8 state, and the buffer its bytes gather in until they are delivered
 * (the whole message, or one frame in fragment mode). Enforces {@code maxMessageSize} as bytes
 * arrive, so neither a long message nor a decompression bomb can take more memory than the
 * limit. Loop thread only; one per connection.
 */
final class InboundMessage {

    private static final int INITIAL = 4096;
    /** Beyond this the buffer is dropped after delivery, so idle connections stay small. */
    private static final int KEEP = 64 * 1024;

    private final int maxMessageSize;
    private final PerMessageDeflate deflate;
    private final Utf8Validator utf8 = new Utf8Validator();
    private ByteBuffer buffer;
    /** FrameReader.TEXT or BINARY while a message is in progress, 0 between messages. */
    private int type;
    private boolean compressed;
    /** Bytes of the message so far, inflated; never more than the limit plus one. */
    private long size;
    private boolean firstDelivered;

    InboundMessage(int maxMessageSize, PerMessageDeflate deflate) {
        this.maxMessageSize = maxMessageSize;
        this.deflate = deflate;
    }

    boolean inProgress() {
        return type != 0;
    }

    boolean isText() {
        return type == FrameReader.TEXT;
    }

    boolean isCompressed() {
        return compressed;
    }

    /** Whether part of the message was already delivered (fragment mode). */
    boolean firstDelivered() {
        return firstDelivered;
    }

    void begin(int opcode, boolean compressed) {
        this.type = opcode;
        this.compressed = compressed;
        this.size = 0;
        this.firstDelivered = false;
        utf8.reset();
    }

    /** Whether nothing is gathered for delivery (so a whole frame may be delivered in place). */
    boolean nothingGathered() {
        return buffer == null || buffer.position() == 0;
    }

    /**
     * Checks {@code n} uncompressed payload bytes that will be delivered where they are, at
     * {@code in}'s position, and counts them.
     *
     * @return 0, or the close code that fails the connection
     */
    int inPlace(ByteBuffer in, int n) {
        size += n;
        if (size > maxMessageSize) {
            return CloseCodes.MESSAGE_TOO_BIG;  // RFC 6455 section 10.4: the limit is ours to set
        }
        // RFC 6455 section 8.1: text must be UTF-8; fail at the first bad byte.
        if (type == FrameReader.TEXT && utf8.check(in, in.position(), in.position() + n) >= 0) {
            return CloseCodes.INVALID_PAYLOAD;
        }
        return 0;
    }

    /**
     * Takes {@code n} payload bytes from {@code in}'s position (inflating them if the message
     * is compressed), moving the position past them.
     *
     * @return 0, or the close code that fails the connection
     */
    int append(ByteBuffer in, int n) {
        if (compressed) {
            return deflate.inflate(in, n, this);
        }
        if (size + n > maxMessageSize) {
            return CloseCodes.MESSAGE_TOO_BIG;
        }
        ensure(n);
        int from = buffer.position();
        int limit = in.limit();
        in.limit(in.position() + n);
        buffer.put(in);
        in.limit(limit);
        return produced(from, n);
    }

    /**
     * Room for inflated bytes: the buffer, with free space up to one byte past the message
     * limit (that byte proves the excess), or {@code null} when the limit is already passed.
     */
    ByteBuffer room() {
        long allowed = maxMessageSize - size + 1;
        if (allowed <= 0) {
            return null;
        }
        if (buffer == null || !buffer.hasRemaining()) {
            ensure((int) Math.min(allowed, buffer == null ? INITIAL : buffer.capacity()));
        }
        return buffer;
    }

    /**
     * {@code n} bytes were put into the buffer from index {@code from}: counts and checks them.
     *
     * @return 0, or the close code that fails the connection
     */
    int produced(int from, int n) {
        size += n;
        if (size > maxMessageSize) {
            return CloseCodes.MESSAGE_TOO_BIG;
        }
        if (type == FrameReader.TEXT && n > 0 && utf8.check(buffer, from, from + n) >= 0) {
            return CloseCodes.INVALID_PAYLOAD;  // RFC 6455 section 8.1, at the first bad byte
        }
        return 0;
    }

    /**
     * The last frame of the message ended: inflates the tail of a compressed message and
     * checks that text ends on a character boundary.
     *
     * @return 0, or the close code that fails the connection
     */
    int finish() {
        if (compressed) {
            int code = deflate.finish(this);
            if (code != 0) {
                return code;
            }
        }
        if (type == FrameReader.TEXT && !utf8.atBoundary()) {
            return CloseCodes.INVALID_PAYLOAD;  // RFC 6455 section 8.1: a message cut inside a character
        }
        return 0;
    }

    /** The gathered bytes, ready to read; valid until {@link #delivered}. */
    ByteBuffer gathered() {
        if (buffer == null) {
            buffer = ByteBuffer.allocate(INITIAL);
        }
        buffer.flip();
        return buffer;
    }

    /** The gathered bytes were delivered; {@code messageEnded} when that was the last of the message. */
    void delivered(boolean messageEnded) {
        firstDelivered = true;
        if (buffer != null) {
            buffer.clear();
            if (buffer.capacity() > KEEP) {
                buffer = null;
            }
        }
        if (messageEnded) {
            type = 0;
        }
    }

    /** Drops everything: the connection is failing or closing. */
    void abandon() {
        type = 0;
        buffer = null;
    }

    private void ensure(int more) {
        if (buffer == null) {
            buffer = ByteBuffer.allocate(Math.max(INITIAL, more));
            return;
        }
        if (buffer.remaining() >= more) {
            return;
        }
        long wanted = Math.max((long) buffer.capacity() * 2, (long) buffer.position() + more);
        ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(wanted, (long) maxMessageSize + 1));
        buffer.flip();
        bigger.put(buffer);
        buffer = bigger;
    }
}
