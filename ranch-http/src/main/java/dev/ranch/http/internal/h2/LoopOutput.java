package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;

import java.nio.ByteBuffer;

/**
 * The frames one event loop thread has gathered and not yet written, for one connection at a
 * time: a direct buffer per loop, so an idle HTTP/2 connection holds no output buffer. A
 * connection that writes while the buffer holds another's bytes (a handler on one connection
 * answering a stream of another on the same loop) first sends those to their owner.
 *
 * <p>Loop thread only (one instance per thread).
 */
final class LoopOutput {

    /** Written out once this full; a frame of 16 KiB plus its header always fits after it. */
    private static final int FLUSH_AT = 64 * 1024;
    private static final int CAPACITY = FLUSH_AT + FrameType.HEADER_LENGTH + FrameType.DEFAULT_MAX_FRAME + 256;

    private static final ThreadLocal<LoopOutput> OF_THREAD = ThreadLocal.withInitial(LoopOutput::new);

    private final ByteBuffer buffer = ByteBuffer.allocateDirect(CAPACITY);
    private Connection owner;

    static LoopOutput get() {
        return OF_THREAD.get();
    }

    /** The buffer, holding only {@code connection}'s bytes, with room for {@code bytes} more. */
    ByteBuffer room(Connection connection, int bytes) {
        if (owner != connection || buffer.position() > FLUSH_AT || buffer.remaining() < bytes) {
            flush();
            owner = connection;
        }
        return buffer;
    }

    /** Writes the gathered bytes to their connection (dropped if it has closed). */
    void flush() {
        if (buffer.position() > 0 && owner != null) {
            buffer.flip();
            if (owner.isOpen()) {
                owner.write(buffer);
            }
            buffer.clear();
        }
        owner = null;
    }
}
