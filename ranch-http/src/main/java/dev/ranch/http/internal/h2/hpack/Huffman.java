package dev.ranch.http.internal.h2.hpack;

/**
 * The static Huffman code of RFC 7541 Appendix B, both ways.
 *
 * <p>Decoding walks a table built once from the code: one state per internal node of the code
 * tree, and for each state and each 4-bit nibble the state reached, the symbol completed on the
 * way (a code is at least 5 bits, so at most one per nibble) and whether the state reached may
 * end a string (section 5.2: what is left is at most 7 bits, all ones). Two lookups a byte, no
 * branch per bit. Stateless; the tables are immutable, so any thread.
 */
final class Huffman {

    /** RFC 7541 Appendix B: for symbols 0 to 256 (256 is EOS), the code (right-aligned) and its length in bits. */
    private static final int[] CODE_AND_LENGTH = {
            0x1ff8, 13, 0x7fffd8, 23, 0xfffffe2, 28, 0xfffffe3, 28,
            0xfffffe4, 28, 0xfffffe5, 28, 0xfffffe6, 28, 0xfffffe7, 28,
            0xfffffe8, 28, 0xffffea, 24, 0x3ffffffc, 30, 0xfffffe9, 28,
            0xfffffea, 28, 0x3ffffffd, 30, 0xfffffeb, 28, 0xfffffec, 28,
            0xfffffed, 28, 0xfffffee, 28, 0xfffffef, 28, 0xffffff0, 28,
            0xffffff1, 28, 0xffffff2, 28, 0x3ffffffe, 30, 0xffffff3, 28,
            0xffffff4, 28, 0xffffff5, 28, 0xffffff6, 28, 0xffffff7, 28,
            0xffffff8, 28, 0xffffff9, 28, 0xffffffa, 28, 0xffffffb, 28,
            0x14, 6, 0x3f8, 10, 0x3f9, 10, 0xffa, 12,
            0x1ff9, 13, 0x15, 6, 0xf8, 8, 0x7fa, 11,
            0x3fa, 10, 0x3fb, 10, 0xf9, 8, 0x7fb, 11,
            0xfa, 8, 0x16, 6, 0x17, 6, 0x18, 6,
            0x0, 5, 0x1, 5, 0x2, 5, 0x19, 6,
            0x1a, 6, 0x1b, 6, 0x1c, 6, 0x1d, 6,
            0x1e, 6, 0x1f, 6, 0x5c, 7, 0xfb, 8,
            0x7ffc, 15, 0x20, 6, 0xffb, 12, 0x3fc, 10,
            0x1ffa, 13, 0x21, 6, 0x5d, 7, 0x5e, 7,
            0x5f, 7, 0x60, 7, 0x61, 7, 0x62, 7,
            0x63, 7, 0x64, 7, 0x65, 7, 0x66, 7,
            0x67, 7, 0x68, 7, 0x69, 7, 0x6a, 7,
            0x6b, 7, 0x6c, 7, 0x6d, 7, 0x6e, 7,
            0x6f, 7, 0x70, 7, 0x71, 7, 0x72, 7,
            0xfc, 8, 0x73, 7, 0xfd, 8, 0x1ffb, 13,
            0x7fff0, 19, 0x1ffc, 13, 0x3ffc, 14, 0x22, 6,
            0x7ffd, 15, 0x3, 5, 0x23, 6, 0x4, 5,
            0x24, 6, 0x5, 5, 0x25, 6, 0x26, 6,
            0x27, 6, 0x6, 5, 0x74, 7, 0x75, 7,
            0x28, 6, 0x29, 6, 0x2a, 6, 0x7, 5,
            0x2b, 6, 0x76, 7, 0x2c, 6, 0x8, 5,
            0x9, 5, 0x2d, 6, 0x77, 7, 0x78, 7,
            0x79, 7, 0x7a, 7, 0x7b, 7, 0x7ffe, 15,
            0x7fc, 11, 0x3ffd, 14, 0x1ffd, 13, 0xffffffc, 28,
            0xfffe6, 20, 0x3fffd2, 22, 0xfffe7, 20, 0xfffe8, 20,
            0x3fffd3, 22, 0x3fffd4, 22, 0x3fffd5, 22, 0x7fffd9, 23,
            0x3fffd6, 22, 0x7fffda, 23, 0x7fffdb, 23, 0x7fffdc, 23,
            0x7fffdd, 23, 0x7fffde, 23, 0xffffeb, 24, 0x7fffdf, 23,
            0xffffec, 24, 0xffffed, 24, 0x3fffd7, 22, 0x7fffe0, 23,
            0xffffee, 24, 0x7fffe1, 23, 0x7fffe2, 23, 0x7fffe3, 23,
            0x7fffe4, 23, 0x1fffdc, 21, 0x3fffd8, 22, 0x7fffe5, 23,
            0x3fffd9, 22, 0x7fffe6, 23, 0x7fffe7, 23, 0xffffef, 24,
            0x3fffda, 22, 0x1fffdd, 21, 0xfffe9, 20, 0x3fffdb, 22,
            0x3fffdc, 22, 0x7fffe8, 23, 0x7fffe9, 23, 0x1fffde, 21,
            0x7fffea, 23, 0x3fffdd, 22, 0x3fffde, 22, 0xfffff0, 24,
            0x1fffdf, 21, 0x3fffdf, 22, 0x7fffeb, 23, 0x7fffec, 23,
            0x1fffe0, 21, 0x1fffe1, 21, 0x3fffe0, 22, 0x1fffe2, 21,
            0x7fffed, 23, 0x3fffe1, 22, 0x7fffee, 23, 0x7fffef, 23,
            0xfffea, 20, 0x3fffe2, 22, 0x3fffe3, 22, 0x3fffe4, 22,
            0x7ffff0, 23, 0x3fffe5, 22, 0x3fffe6, 22, 0x7ffff1, 23,
            0x3ffffe0, 26, 0x3ffffe1, 26, 0xfffeb, 20, 0x7fff1, 19,
            0x3fffe7, 22, 0x7ffff2, 23, 0x3fffe8, 22, 0x1ffffec, 25,
            0x3ffffe2, 26, 0x3ffffe3, 26, 0x3ffffe4, 26, 0x7ffffde, 27,
            0x7ffffdf, 27, 0x3ffffe5, 26, 0xfffff1, 24, 0x1ffffed, 25,
            0x7fff2, 19, 0x1fffe3, 21, 0x3ffffe6, 26, 0x7ffffe0, 27,
            0x7ffffe1, 27, 0x3ffffe7, 26, 0x7ffffe2, 27, 0xfffff2, 24,
            0x1fffe4, 21, 0x1fffe5, 21, 0x3ffffe8, 26, 0x3ffffe9, 26,
            0xffffffd, 28, 0x7ffffe3, 27, 0x7ffffe4, 27, 0x7ffffe5, 27,
            0xfffec, 20, 0xfffff3, 24, 0xfffed, 20, 0x1fffe6, 21,
            0x3fffe9, 22, 0x1fffe7, 21, 0x1fffe8, 21, 0x7ffff3, 23,
            0x3fffea, 22, 0x3fffeb, 22, 0x1ffffee, 25, 0x1ffffef, 25,
            0xfffff4, 24, 0xfffff5, 24, 0x3ffffea, 26, 0x7ffff4, 23,
            0x3ffffeb, 26, 0x7ffffe6, 27, 0x3ffffec, 26, 0x3ffffed, 26,
            0x7ffffe7, 27, 0x7ffffe8, 27, 0x7ffffe9, 27, 0x7ffffea, 27,
            0x7ffffeb, 27, 0xffffffe, 28, 0x7ffffec, 27, 0x7ffffed, 27,
            0x7ffffee, 27, 0x7ffffef, 27, 0x7fffff0, 27, 0x3ffffee, 26,
            0x3fffffff, 30,
    };

    static final int EOS = 256;
    private static final int[] CODES = new int[257];
    private static final byte[] LENGTHS = new byte[257];

    /** Entry flags of {@link #STEPS}: bits 0-7 the next state, 8-15 the symbol, then these. */
    private static final int EMIT = 1 << 16;
    private static final int FAIL = 1 << 17;
    private static final int ACCEPT = 1 << 18;
    /** The state reached lies on the all-ones path (a padding that is too long, if the string ends there). */
    private static final int ONES = 1 << 19;

    /** STEPS[state << 4 | nibble]. */
    private static final int[] STEPS;

    static {
        for (int s = 0; s < 257; s++) {
            CODES[s] = CODE_AND_LENGTH[2 * s];
            LENGTHS[s] = (byte) CODE_AND_LENGTH[2 * s + 1];
        }
        STEPS = buildSteps();
    }

    private Huffman() {}

    /**
     * Builds {@link #STEPS} from the code tree, held as child arrays: a child is an internal
     * node's id ({@code > 0}) or {@code -(symbol + 1)} for a leaf; node 0 is the root, and the
     * internal nodes are the states.
     */
    private static int[] buildSteps() {
        int[][] child = new int[2][256];
        int[] depth = new int[256];
        boolean[] ones = new boolean[256];
        ones[0] = true;
        int nodes = 1;
        for (int s = 0; s < 257; s++) {
            int node = 0;
            for (int bit = LENGTHS[s] - 1; bit >= 0; bit--) {
                int b = (CODES[s] >>> bit) & 1;
                if (bit == 0) {
                    child[b][node] = -(s + 1);
                } else {
                    if (child[b][node] == 0) {
                        child[b][node] = nodes;
                        depth[nodes] = depth[node] + 1;
                        ones[nodes] = ones[node] && b == 1;
                        nodes++;
                    }
                    node = child[b][node];
                }
            }
        }
        if (nodes != 256) {
            throw new AssertionError("a complete prefix code of 257 symbols has 256 internal nodes, got " + nodes);
        }
        int[] steps = new int[256 * 16];
        for (int state = 0; state < 256; state++) {
            for (int nibble = 0; nibble < 16; nibble++) {
                int node = state;
                int entry = 0;
                for (int bit = 3; bit >= 0; bit--) {
                    int next = child[(nibble >>> bit) & 1][node];
                    if (next < 0) {
                        int symbol = -next - 1;
                        if (symbol == EOS) {
                            entry |= FAIL;
                            break;
                        }
                        entry |= EMIT | symbol << 8;
                        node = 0;
                    } else {
                        node = next;
                    }
                }
                entry |= node;
                // RFC 7541 section 5.2: a string may end only on padding of at most 7 bits, all ones.
                if (ones[node]) {
                    entry |= depth[node] <= 7 ? ACCEPT : ONES;
                }
                steps[state << 4 | nibble] = entry;
            }
        }
        return steps;
    }

    /** The length in bytes of {@code s} Huffman-coded (characters above 0xFF count as {@code '?'}). */
    static int encodedLength(String s) {
        long bits = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            bits += LENGTHS[octet(s.charAt(i))];
        }
        return (int) ((bits + 7) >>> 3);
    }

    /**
     * Appends {@code s} Huffman-coded, padded with the most significant bits of EOS (section 5.2);
     * {@code codedLength} is {@link #encodedLength}{@code (s)}.
     */
    static void encode(String s, int codedLength, HeaderBlock out) {
        byte[] bytes = out.reserve(codedLength);
        int at = out.length();
        long bits = 0;
        int pending = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            int c = octet(s.charAt(i));
            int length = LENGTHS[c];
            bits = bits << length | CODES[c];
            pending += length;
            while (pending >= 8) {
                pending -= 8;
                bytes[at++] = (byte) (bits >>> pending);
            }
        }
        if (pending > 0) {
            bytes[at++] = (byte) ((bits << (8 - pending)) | (0xFF >>> pending));
        }
        out.advance(codedLength);
    }

    /** The octet a character of a field is sent as: ISO-8859-1, as {@link String#getBytes} would, '?' above 0xFF. */
    static int octet(char c) {
        return c <= 0xFF ? c : '?';
    }

    /** The most bytes {@code length} coded bytes can decode to: the shortest code is 5 bits. */
    static int maxDecodedLength(int length) {
        return (int) (((long) length * 8 + 4) / 5);
    }

    /**
     * Decodes {@code length} coded bytes of {@code in} from {@code from} into {@code out} (at
     * least {@link #maxDecodedLength} long) and answers how many bytes it wrote.
     *
     * @throws HpackException on EOS inside the string, or padding longer than 7 bits or not all ones
     */
    static int decode(byte[] in, int from, int length, byte[] out) throws HpackException {
        int state = 0;
        int entry = ACCEPT;
        int written = 0;
        for (int i = from, end = from + length; i < end; i++) {
            int b = in[i];
            int high = STEPS[state << 4 | (b >>> 4 & 0xF)];
            entry = STEPS[(high & 0xFF) << 4 | (b & 0xF)];
            if (((high | entry) & FAIL) != 0) {
                throw new HpackException("RFC 7541 section 5.2: a Huffman-coded string contains EOS");
            }
            if ((high & EMIT) != 0) {
                out[written++] = (byte) (high >>> 8);
            }
            if ((entry & EMIT) != 0) {
                out[written++] = (byte) (entry >>> 8);
            }
            state = entry & 0xFF;
        }
        if ((entry & ACCEPT) == 0) {
            // Section 5.2: padding longer than 7 bits, or not the most significant bits of EOS, is an error.
            throw new HpackException((entry & ONES) != 0
                    ? "RFC 7541 section 5.2: Huffman padding longer than 7 bits"
                    : "RFC 7541 section 5.2: Huffman padding that is not all ones (or a code cut short)");
        }
        return written;
    }
}
