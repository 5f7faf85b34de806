package dev.ranch.http.internal.server;

import dev.ranch.core.Connection;

import java.nio.ByteBuffer;

/**
 * The response bytes of one callback, gathered so that a response (or a batch of pipelined
 * responses) leaves in one {@link Connection#write} call: one system call where the kernel
 * takes it all. One per event loop thread; every callback that fills it flushes it before
 * returning, so it never carries bytes from one connection to another.
 *
 * <p>The bytes gather in a heap array, where a status line, a field or a number is a few
 * array stores or one {@code arraycopy}, and move to a direct buffer in one bulk copy at the
 * flush: a direct buffer's own puts cost a bounds and scope check each, and the JDK would
 * copy a heap buffer into a direct one before the write anyway.
 */
final class OutBuffer {

    private static final int INITIAL = 16 * 1024;
    /** Beyond this the arrays are given back after a flush instead of kept for the thread. */
    private static final int KEEP = 256 * 1024;

    private static final ThreadLocal<OutBuffer> LOCAL = ThreadLocal.withInitial(OutBuffer::new);

    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** What is gathered: {@code size} bytes from the start. */
    private byte[] gathered = new byte[INITIAL];
    private int size;
    /** What a flush hands to the connection; holds the bytes only during the write call. */
    private ByteBuffer direct = ByteBuffer.allocateDirect(INITIAL);
    /** The connection the gathered bytes belong to. */
    private Connection owner;
    /** The thread whose buffer this is: the only one that ever touches it. */
    private final Thread thread = Thread.currentThread();

    private OutBuffer() {}

    /**
     * This thread's buffer, for bytes of {@code connection}. Bytes gathered for another
     * connection of the same loop (a handler of one connection may well answer another's
     * async request) are written to that one first, so bytes never cross connections.
     */
    static OutBuffer of(Connection connection) {
        return LOCAL.get().claim(connection);
    }

    /**
     * {@code known} if it is the calling thread's buffer, else the calling thread's: a caller
     * that stays on one thread (a connection's writer) keeps its buffer and saves the
     * thread-local lookup, a few per response, while one that moves still gets its own.
     */
    static OutBuffer local(OutBuffer known) {
        return known != null && known.thread == Thread.currentThread() ? known : LOCAL.get();
    }

    /** This buffer, for bytes of {@code connection}: see {@link #of}. Its own thread only. */
    OutBuffer claim(Connection connection) {
        if (owner != connection) {
            if (owner != null) {
                flushGathered();
            }
            owner = connection;
        }
        return this;
    }

    /** Writes what this buffer gathered to the connection it belongs to. Its own thread only. */
    void flushGathered() {
        if (owner != null && size > 0) {
            flushTo(owner);
        }
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    OutBuffer put(byte[] bytes) {
        return put(bytes, 0, bytes.length);
    }

    OutBuffer put(byte[] bytes, int offset, int length) {
        System.arraycopy(bytes, offset, room(length), size, length);
        size += length;
        return this;
    }

    OutBuffer put(ByteBuffer bytes) {
        int n = bytes.remaining();
        bytes.get(room(n), size, n);
        size += n;
        return this;
    }

    /**
     * A whole field line, {@code name: value} and CRLF, as ISO-8859-1 bytes (names and values
     * are checked before they get here).
     */
    @SuppressWarnings("deprecation")  // getBytes(int, int, byte[], int): the Latin-1 copy without a new array
    OutBuffer putField(String name, String value) {
        int n = name.length();
        int m = value.length();
        byte[] to = room(n + m + 4);
        int at = size;
        name.getBytes(0, n, to, at);
        to[at + n] = ':';
        to[at + n + 1] = ' ';
        value.getBytes(0, m, to, at + n + 2);
        to[at + n + m + 2] = '\r';
        to[at + n + m + 3] = '\n';
        size = at + n + m + 4;
        return this;
    }

    /** {@code prefix}, {@code value} in decimal and CRLF: a Content-Length line. */
    OutBuffer putLine(byte[] prefix, long value) {
        int p = prefix.length;
        byte[] to = room(p + 22);
        int at = size;
        System.arraycopy(prefix, 0, to, at, p);
        int digits = 1;
        for (long v = value / 10; v > 0; v /= 10) {
            digits++;
        }
        long v = value;
        for (int i = at + p + digits - 1; i >= at + p; i--) {
            to[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        to[at + p + digits] = '\r';
        to[at + p + digits + 1] = '\n';
        size = at + p + digits + 2;
        return this;
    }

    OutBuffer putHex(int value) {
        int digits = 1;
        for (int v = value >>> 4; v != 0; v >>>= 4) {
            digits++;
        }
        byte[] to = room(digits);
        int v = value;
        for (int i = size + digits - 1; i >= size; i--) {
            to[i] = HEX[v & 0xf];
            v >>>= 4;
        }
        size += digits;
        return this;
    }

    /** {@code s}, whose characters are all ASCII, as its bytes. */
    @SuppressWarnings("deprecation")  // as in putField
    OutBuffer putAscii(String s) {
        int n = s.length();
        s.getBytes(0, n, room(n), size);
        size += n;
        return this;
    }

    OutBuffer crlf() {
        return put(CRLF, 0, 2);
    }

    /** The gathering array, with room for {@code more} bytes after {@link #size}. */
    private byte[] room(int more) {
        if (gathered.length - size < more) {
            gathered = java.util.Arrays.copyOf(gathered, Math.max(size + more, 2 * gathered.length));
        }
        return gathered;
    }

    /** The gathered bytes in the direct buffer, ready to write; {@link #emptied} must follow. */
    private ByteBuffer moved() {
        if (direct.capacity() < size) {
            direct = ByteBuffer.allocateDirect(Math.max(size, 2 * direct.capacity()));
        }
        direct.clear();
        direct.put(gathered, 0, size);
        return direct.flip();
    }

    private void emptied() {
        size = 0;
        direct.clear();
        if (gathered.length > KEEP) {
            gathered = new byte[INITIAL];
        }
        if (direct.capacity() > KEEP) {
            direct = ByteBuffer.allocateDirect(INITIAL);
        }
    }

    /** Writes everything gathered to {@code connection}, its owner, in one call and empties the buffer. */
    private void flushTo(Connection connection) {
        if (size == 0) {
            return;
        }
        try {
            connection.write(moved());
        } finally {
            emptied();
        }
    }

    /**
     * Writes what was gathered for {@code connection} and then {@code body}, together in one
     * gathering write: a response's head and a large body in one system call, without copying
     * the body into this buffer.
     */
    void flushWith(Connection connection, ByteBuffer body) {
        if (owner != connection || size == 0) {
            flushFor(connection);
            connection.write(body);
            return;
        }
        try {
            connection.write(moved(), body);
        } finally {
            emptied();
        }
    }

    /** Writes what was gathered for {@code connection}, if anything. */
    void flushFor(Connection connection) {
        if (owner == connection) {
            flushGathered();
        }
    }

    /** Drops whatever was gathered for {@code connection} (it is being aborted). */
    void discard(Connection connection) {
        if (owner == connection) {
            size = 0;
        }
    }
}
