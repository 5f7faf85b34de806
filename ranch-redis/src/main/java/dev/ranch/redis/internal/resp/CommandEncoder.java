package dev.ranch.redis.internal.resp;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Writes a command the way Redis wants it from clients: an array of bulk strings
 * ({@code *2\r\n$3\r\nGET\r\n$3\r\nkey\r\n}). Text arguments are encoded to UTF-8 straight into
 * a buffer the encoder reuses, so a command costs no garbage of its own; a lone surrogate
 * becomes {@code ?}, as {@link String#getBytes} would make it. One connection's, on its thread;
 * not thread-safe.
 */
public final class CommandEncoder {

    private static final int KEPT = 64 * 1024;

    private byte[] out = new byte[1024];
    private int size;
    private ByteBuffer wrapped = ByteBuffer.wrap(out);

    /**
     * The bytes of the command {@code args} (name first), text arguments in UTF-8. The buffer
     * is the encoder's and valid until its next call.
     *
     * @throws IllegalArgumentException when {@code args} is empty
     */
    public ByteBuffer encode(String... args) {
        start(args.length);
        for (String arg : args) {
            int length = utf8Length(arg);
            header('$', length);
            ensure(length + 2);
            writeUtf8(arg);
            crlf();
        }
        return done();
    }

    /** The bytes of the command {@code args} (name first) as binary-safe bulk strings; see {@link #encode(String...)}. */
    public ByteBuffer encode(byte[]... args) {
        start(args.length);
        for (byte[] arg : args) {
            header('$', arg.length);
            ensure(arg.length + 2);
            System.arraycopy(arg, 0, out, size, arg.length);
            size += arg.length;
            crlf();
        }
        return done();
    }

    /** The UTF-8 length of {@code s}, each lone surrogate counted as the one byte of {@code ?}. */
    public static int utf8Length(String s) {
        int length = s.length();
        int bytes = length;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                continue;
            }
            if (c < 0x800) {
                bytes += 1;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 2;  // four bytes for two chars
                i++;
            } else if (!Character.isSurrogate(c)) {
                bytes += 2;
            }
        }
        return bytes;
    }

    private void start(int count) {
        if (count == 0) {
            throw new IllegalArgumentException("a command has at least its name");
        }
        if (out.length > KEPT) {
            // A burst of large values grew it: give the memory back.
            out = new byte[1024];
        }
        size = 0;
        header('*', count);
    }

    private ByteBuffer done() {
        if (wrapped.array() != out) {
            wrapped = ByteBuffer.wrap(out);
        }
        wrapped.clear().limit(size);
        return wrapped;
    }

    private void header(char type, int value) {
        ensure(14);
        out[size++] = (byte) type;
        if (value == 0) {
            out[size++] = '0';
        } else {
            int digits = 0;
            for (int v = value; v > 0; v /= 10) {
                digits++;
            }
            for (int i = size + digits - 1, v = value; i >= size; i--, v /= 10) {
                out[i] = (byte) ('0' + v % 10);
            }
            size += digits;
        }
        out[size++] = '\r';
        out[size++] = '\n';
    }

    private void crlf() {
        out[size++] = '\r';
        out[size++] = '\n';
    }

    private void ensure(int more) {
        if (size + more > out.length) {
            long wanted = Math.max((long) size + more, out.length * 2L);
            if (wanted > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("a command of more than 2 GiB");
            }
            out = Arrays.copyOf(out, (int) wanted);
        }
    }

    private void writeUtf8(String s) {
        byte[] o = out;
        int p = size;
        int length = s.length();
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                o[p++] = (byte) c;
            } else if (c < 0x800) {
                o[p++] = (byte) (0xc0 | c >> 6);
                o[p++] = (byte) (0x80 | c & 0x3f);
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                o[p++] = (byte) (0xf0 | cp >> 18);
                o[p++] = (byte) (0x80 | cp >> 12 & 0x3f);
                o[p++] = (byte) (0x80 | cp >> 6 & 0x3f);
                o[p++] = (byte) (0x80 | cp & 0x3f);
            } else if (Character.isSurrogate(c)) {
                o[p++] = '?';
            } else {
                o[p++] = (byte) (0xe0 | c >> 12);
                o[p++] = (byte) (0x80 | c >> 6 & 0x3f);
                o[p++] = (byte) (0x80 | c & 0x3f);
            }
        }
        size = p;
    }
}
