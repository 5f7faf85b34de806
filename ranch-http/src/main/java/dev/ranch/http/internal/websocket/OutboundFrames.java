package dev.ranch.http.internal.websocket;

import dev.ranch.core.Connection;

import java.nio.ByteBuffer;

/**
 * The frames one loop thread writes during a callback, gathered so that a burst (every echo
 * of one read, a batch of queued sends) leaves in one {@link Connection#write}. One per loop
 * thread, direct so the JDK does not copy it again before the system call. Inside a callback
 * ({@link #enter()} ... {@link #exit()}) frames are gathered and written when the outermost
 * callback returns; outside one each frame is written at once. Frames of another connection
 * on the same loop first push out what was gathered for the previous one, so bytes never
 * cross connections and each connection's frames keep their order. Loop thread only.
 */
final class OutboundFrames {

    private static final int INITIAL = 16 * 1024;
    /** Beyond this the buffer is given back after a write instead of kept for the thread. */
    private static final int KEEP = 256 * 1024;
    /** Payloads up to this are copied next to their header; larger ones go out as they are. */
    private static final int COPY_LIMIT = 16 * 1024;
    /** Heap payloads larger than the copy limit are written in slices of this size. */
    private static final int SLICE = 256 * 1024;
    /** A batch that would grow past this is written first. */
    private static final int FLUSH_AT = 64 * 1024;

    private static final ThreadLocal<OutboundFrames> LOCAL = ThreadLocal.withInitial(OutboundFrames::new);

    private ByteBuffer buffer = ByteBuffer.allocateDirect(INITIAL);
    private final ByteBuffer[] pair = new ByteBuffer[2];
    private Connection owner;
    private int depth;

    private OutboundFrames() {}

    /** This loop thread's instance. */
    static OutboundFrames local() {
        return LOCAL.get();
    }

    /** A callback begins: gather until the outermost one ends. */
    void enter() {
        depth++;
    }

    /** A callback ends; the outermost writes what was gathered. */
    void exit() {
        if (--depth == 0) {
            flush();
        }
    }

    /**
     * One frame, unmasked as a server's frames are (RFC 6455 section 5.1), whose payload is
     * the remaining bytes of {@code payload}; they are consumed.
     *
     * @param firstByte FIN, RSV1 and the opcode, as the first header byte
     */
    void frame(Connection connection, int firstByte, ByteBuffer payload) {
        claim(connection);
        int n = payload.remaining();
        boolean copy = n <= COPY_LIMIT;
        ensure(10 + (copy ? n : 0));
        header(firstByte, n);
        if (copy) {
            buffer.put(payload);
        } else {
            // A heap payload goes out in slices: the JDK copies each heap buffer into a temporary
            // direct one of its size and keeps that per thread, so a 16 MiB message would pin 16 MiB.
            int end = payload.limit();
            int first = payload.isDirect() ? end : Math.min(end, payload.position() + SLICE);
            payload.limit(first);
            buffer.flip();
            pair[0] = buffer;
            pair[1] = payload;
            try {
                connection.write(pair);
                while (first < end) {
                    int next = Math.min(end, first + SLICE);
                    payload.limit(next).position(first);
                    connection.write(payload);
                    first = next;
                }
            } finally {
                pair[0] = null;
                pair[1] = null;
                payload.limit(end).position(end);
                reset();
            }
        }
        if (depth == 0) {
            flush();
        }
    }

    /**
     * One unfragmented text frame of {@code text}, encoded as UTF-8 straight into the batch
     * (no intermediate array), or {@code false} when it is too long to copy and the caller
     * must encode it itself. Unpaired surrogates become {@code '?'}, as in
     * {@link String#getBytes(java.nio.charset.Charset)}.
     */
    boolean textFrame(Connection connection, int firstByte, CharSequence text) {
        int length = utf8Length(text);
        if (length > COPY_LIMIT) {
            return false;
        }
        claim(connection);
        ensure(10 + length);
        header(firstByte, length);
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                buffer.put((byte) c);
            } else if (c < 0x800) {
                buffer.put((byte) (0xC0 | (c >> 6))).put((byte) (0x80 | (c & 0x3F)));
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, text.charAt(++i));
                buffer.put((byte) (0xF0 | (cp >> 18))).put((byte) (0x80 | ((cp >> 12) & 0x3F)))
                        .put((byte) (0x80 | ((cp >> 6) & 0x3F))).put((byte) (0x80 | (cp & 0x3F)));
            } else if (Character.isSurrogate(c)) {
                buffer.put((byte) '?');
            } else {
                buffer.put((byte) (0xE0 | (c >> 12))).put((byte) (0x80 | ((c >> 6) & 0x3F)))
                        .put((byte) (0x80 | (c & 0x3F)));
            }
        }
        if (depth == 0) {
            flush();
        }
        return true;
    }

    /** The length of {@code text} in UTF-8, counting an unpaired surrogate as its one-byte {@code '?'}. */
    static int utf8Length(CharSequence text) {
        int n = text.length();
        int bytes = n;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x800) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(text.charAt(i + 1))) {
                    bytes += 2;  // two chars, four bytes
                    i++;
                } else if (!Character.isSurrogate(c)) {
                    bytes += 2;
                }
            } else if (c >= 0x80) {
                bytes += 1;
            }
        }
        return bytes;
    }

    /** Writes what was gathered for {@code connection} now (before it closes, say). */
    void flushFor(Connection connection) {
        if (owner == connection) {
            flush();
        }
    }

    private void claim(Connection connection) {
        if (owner != connection) {
            flush();
            owner = connection;
        }
    }

    // RFC 6455 section 5.2: 7-bit length, or 126 and 16 bits, or 127 and 64 bits; no mask key.
    private void header(int firstByte, int length) {
        buffer.put((byte) firstByte);
        if (length < 126) {
            buffer.put((byte) length);
        } else if (length <= 0xFFFF) {
            buffer.put((byte) 126).putShort((short) length);
        } else {
            buffer.put((byte) 127).putLong(length);
        }
    }

    private void flush() {
        if (owner == null || buffer.position() == 0) {
            return;
        }
        buffer.flip();
        try {
            owner.write(buffer);
        } finally {
            reset();
        }
    }

    private void reset() {
        buffer.clear();
        if (buffer.capacity() > KEEP) {
            buffer = ByteBuffer.allocateDirect(INITIAL);
        }
    }

    private void ensure(int more) {
        if (buffer.position() > 0 && buffer.position() + more > FLUSH_AT) {
            flush();  // a full batch goes out, so the queue and its watermarks see it
        }
        if (buffer.remaining() >= more) {
            return;
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(buffer.capacity() * 2, buffer.position() + more));
        buffer.flip();
        bigger.put(buffer);
        buffer = bigger;
    }
}
