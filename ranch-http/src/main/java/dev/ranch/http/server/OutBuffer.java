package dev.ranch.http.server;

import dev.ranch.core.Connection;

import java.nio.ByteBuffer;

/**
 * The response bytes of one callback, gathered so that a response (or a batch of pipelined
 * responses) leaves in one {@link Connection#write} call: one system call where the kernel
 * takes it all. One per event loop thread, direct so the JDK does not copy it again before
 * the write; every callback that fills it flushes it before returning, so it never carries
 * bytes from one connection to another.
 */
final class OutBuffer {

    private static final int INITIAL = 16 * 1024;
    /** Beyond this the buffer is given back after a flush instead of kept for the thread. */
    private static final int KEEP = 256 * 1024;

    private static final ThreadLocal<OutBuffer> LOCAL = ThreadLocal.withInitial(OutBuffer::new);

    private ByteBuffer buffer = ByteBuffer.allocateDirect(INITIAL);
    /** The connection the gathered bytes belong to. */
    private Connection owner;

    private OutBuffer() {}

    /**
     * This thread's buffer, for bytes of {@code connection}. Bytes gathered for another
     * connection of the same loop (a handler of one connection may well answer another's
     * async request) are written to that one first, so bytes never cross connections.
     */
    static OutBuffer of(Connection connection) {
        OutBuffer out = LOCAL.get();
        if (out.owner != connection) {
            if (out.owner != null) {
                out.flush();
            }
            out.owner = connection;
        }
        return out;
    }

    /** Writes what is gathered to the connection it belongs to. */
    static void flushAll() {
        LOCAL.get().flush();
    }

    private void flush() {
        if (owner != null && buffer.position() > 0) {
            flushTo(owner);
        }
    }

    int size() {
        return buffer.position();
    }

    boolean isEmpty() {
        return buffer.position() == 0;
    }

    OutBuffer put(byte[] bytes) {
        return put(bytes, 0, bytes.length);
    }

    OutBuffer put(byte[] bytes, int offset, int length) {
        ensure(length);
        buffer.put(bytes, offset, length);
        return this;
    }

    OutBuffer put(ByteBuffer bytes) {
        ensure(bytes.remaining());
        buffer.put(bytes);
        return this;
    }

    /** Characters as ISO-8859-1 bytes (header names and values are checked before they get here). */
    OutBuffer putLatin1(String s) {
        int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            buffer.put((byte) s.charAt(i));
        }
        return this;
    }

    OutBuffer putDecimal(long value) {
        ensure(20);
        if (value == 0) {
            buffer.put((byte) '0');
            return this;
        }
        int start = buffer.position();
        for (long v = value; v > 0; v /= 10) {
            buffer.put((byte) ('0' + v % 10));
        }
        reverse(start, buffer.position() - 1);
        return this;
    }

    OutBuffer putHex(int value) {
        ensure(8);
        String hex = Integer.toHexString(value);
        for (int i = 0; i < hex.length(); i++) {
            buffer.put((byte) hex.charAt(i));
        }
        return this;
    }

    OutBuffer crlf() {
        ensure(2);
        buffer.put((byte) '\r').put((byte) '\n');
        return this;
    }

    /** Writes everything gathered to {@code connection}, its owner, in one call and empties the buffer. */
    private void flushTo(Connection connection) {
        if (buffer.position() == 0) {
            return;
        }
        buffer.flip();
        try {
            connection.write(buffer);
        } finally {
            buffer.clear();
            if (buffer.capacity() > KEEP) {
                buffer = ByteBuffer.allocateDirect(INITIAL);
            }
        }
    }

    /**
     * Writes what was gathered for {@code connection} and then {@code body}, together in one
     * gathering write: a response's head and a large body in one system call, without copying
     * the body into this buffer.
     */
    void flushWith(Connection connection, ByteBuffer body) {
        if (owner != connection || buffer.position() == 0) {
            flushFor(connection);
            connection.write(body);
            return;
        }
        buffer.flip();
        try {
            connection.write(buffer, body);
        } finally {
            buffer.clear();
            if (buffer.capacity() > KEEP) {
                buffer = ByteBuffer.allocateDirect(INITIAL);
            }
        }
    }

    /** Writes what was gathered for {@code connection}, if anything. */
    void flushFor(Connection connection) {
        if (owner == connection) {
            flush();
        }
    }

    /** Drops whatever was gathered for {@code connection} (it is being aborted). */
    void discard(Connection connection) {
        if (owner == connection) {
            buffer.clear();
        }
    }

    private void reverse(int from, int to) {
        while (from < to) {
            byte a = buffer.get(from);
            buffer.put(from++, buffer.get(to));
            buffer.put(to--, a);
        }
    }

    private void ensure(int more) {
        if (buffer.remaining() >= more) {
            return;
        }
        int capacity = buffer.capacity();
        while (capacity - buffer.position() < more) {
            capacity *= 2;
        }
        ByteBuffer bigger = ByteBuffer.allocateDirect(capacity);
        buffer.flip();
        bigger.put(buffer);
        buffer = bigger;
    }
}
