package dev.ranch.http.internal.server;

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

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private ByteBuffer buffer = ByteBuffer.allocateDirect(INITIAL);
    /** Where strings and numbers are encoded before one bulk put into {@link #buffer}. */
    private byte[] staging = new byte[256];
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

    /**
     * A whole field line, {@code name: value} and CRLF, as ISO-8859-1 bytes (names and values
     * are checked before they get here): encoded in the heap staging array, then one bulk put,
     * as a direct buffer's byte-at-a-time puts cost a bounds check each.
     */
    @SuppressWarnings("deprecation")  // getBytes(int, int, byte[], int): the Latin-1 copy without a new array
    OutBuffer putField(String name, String value) {
        int n = name.length();
        int m = value.length();
        byte[] stage = staging(n + m + 4);
        name.getBytes(0, n, stage, 0);
        stage[n] = ':';
        stage[n + 1] = ' ';
        value.getBytes(0, m, stage, n + 2);
        stage[n + m + 2] = '\r';
        stage[n + m + 3] = '\n';
        return put(stage, 0, n + m + 4);
    }

    /** {@code prefix}, {@code value} in decimal and CRLF, in one bulk put: a Content-Length line. */
    OutBuffer putLine(byte[] prefix, long value) {
        int p = prefix.length;
        byte[] stage = staging(p + 22);
        System.arraycopy(prefix, 0, stage, 0, p);
        int digits = 1;
        for (long v = value / 10; v > 0; v /= 10) {
            digits++;
        }
        long v = value;
        for (int at = p + digits - 1; at >= p; at--) {
            stage[at] = (byte) ('0' + v % 10);
            v /= 10;
        }
        stage[p + digits] = '\r';
        stage[p + digits + 1] = '\n';
        return put(stage, 0, p + digits + 2);
    }

    OutBuffer putHex(int value) {
        byte[] stage = staging(8);
        int at = 8;
        int v = value;
        do {
            stage[--at] = HEX[v & 0xf];
            v >>>= 4;
        } while (v != 0);
        return put(stage, at, 8 - at);
    }

    /** {@code s}, whose characters are all ASCII, as its bytes, in one bulk put. */
    @SuppressWarnings("deprecation")  // as in putField
    OutBuffer putAscii(String s) {
        int n = s.length();
        byte[] stage = staging(n);
        s.getBytes(0, n, stage, 0);
        return put(stage, 0, n);
    }

    OutBuffer crlf() {
        return put(CRLF, 0, 2);
    }

    /** The staging array, at least {@code n} long. */
    private byte[] staging(int n) {
        if (staging.length < n) {
            staging = new byte[Math.max(n, 2 * staging.length)];
        }
        return staging;
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
