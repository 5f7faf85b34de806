package dev.ranch.http.internal.h2.hpack;

import java.util.Arrays;

/**
 * A growable byte array one header block is encoded into by {@link HpackEncoder#encode}, then
 * read through {@link #array()} and {@link #length()} to be cut into HEADERS and CONTINUATION
 * frames; {@link #reset()} starts the next block in the same array.
 *
 * <p>The encoder learns from it where a block starts: the first field encoded after
 * construction or {@link #reset()} is preceded by any dynamic table size update the encoder
 * owes (RFC 7541 section 4.2). Owner thread of its encoder; not thread-safe.
 */
public final class HeaderBlock {

    private byte[] bytes;
    private int length;
    /** Whether a field was encoded since the last reset: a size update may no longer be written. */
    boolean started;

    /** An empty block with room for 256 bytes before it grows. */
    public HeaderBlock() {
        this(256);
    }

    /** An empty block with room for {@code initialCapacity} bytes before it grows. */
    public HeaderBlock(int initialCapacity) {
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    /** Forgets the bytes written and starts a new header block; the array is kept. */
    public void reset() {
        length = 0;
        started = false;
    }

    /** How many bytes were written since the last reset. */
    public int length() {
        return length;
    }

    /** The backing array; bytes {@code [0, length())} are the block. Replaced when the block grows. */
    public byte[] array() {
        return bytes;
    }

    /** Appends the low 8 bits of {@code b}. */
    public void write(int b) {
        if (length == bytes.length) {
            grow(1);
        }
        bytes[length++] = (byte) b;
    }

    /** Appends {@code len} bytes of {@code b} from {@code off}. */
    public void write(byte[] b, int off, int len) {
        if (bytes.length - length < len) {
            grow(len);
        }
        System.arraycopy(b, off, bytes, length, len);
        length += len;
    }

    /** Appends the characters of {@code s} as ISO-8859-1 octets, a character above 0xFF as '?'. */
    void writeOctets(String s) {
        int n = s.length();
        if (bytes.length - length < n) {
            grow(n);
        }
        byte[] b = bytes;
        int at = length;
        for (int i = 0; i < n; i++) {
            b[at + i] = (byte) Huffman.octet(s.charAt(i));
        }
        length = at + n;
    }

    /** Makes room for {@code n} more bytes and answers the array to write them into from {@link #length()}. */
    byte[] reserve(int n) {
        if (bytes.length - length < n) {
            grow(n);
        }
        return bytes;
    }

    /** Counts {@code n} bytes written into the array {@link #reserve} answered. */
    void advance(int n) {
        length += n;
    }

    /** A copy of the block, for tests and logs. */
    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, length);
    }

    private void grow(int more) {
        long wanted = Math.max((long) length + more, 2L * bytes.length);
        if (wanted > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("header block over 2 GiB");
        }
        bytes = Arrays.copyOf(bytes, (int) wanted);
    }
}
