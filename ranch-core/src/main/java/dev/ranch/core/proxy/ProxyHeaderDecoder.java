package dev.ranch.core.proxy;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Assembles and checks one PROXY protocol header (proxy-protocol.txt, v1 text or v2 binary)
 * from bytes arriving in any number of pieces, down to one byte at a time. One instance per
 * connection, used only by the thread that owns the connection; it does no I/O.
 *
 * <p>It never takes a byte past the end of the header, so whatever follows stays in the
 * caller's buffer for the protocol. Memory: at most 16 bytes until a v2 header's length is
 * known, then exactly that header's size; at most 107 bytes for v1.
 */
public final class ProxyHeaderDecoder {

    /**
     * The default limit on a whole header, 4096 bytes. The spec designs headers to fit 536 bytes
     * (§2) and a v1 line is at most 107; a v2 header is 16 + its length field, up to 65551, and
     * real senders stay far below this with every TLV they know (UNIX addresses 216, unique id
     * 128, authority 255, an SSL TLV of a few hundred). The limit bounds what an unauthenticated
     * peer makes a connection hold before anything is known about it.
     */
    public static final int DEFAULT_MAX_HEADER_BYTES = 4096;

    /** What a call to {@link #decode} concluded. */
    public enum Status {
        /** The bytes so far are a valid beginning; call again with more. */
        NEED_MORE,
        /** The header is complete and valid: see {@link #header()}. */
        DONE,
        /** OPTIONAL mode only: no header; see {@link #consumed()} and the rest of the buffer. */
        NOT_PROXY
    }

    private enum Phase { DETECT, V1, V2, DONE, NOT_PROXY, FAILED }

    private final ProxyMode mode;
    private final int maxHeaderBytes;
    private byte[] buf = new byte[V2Block.FIXED_LENGTH];
    private int count;
    private Phase phase = Phase.DETECT;
    private int v2Total = -1;
    private ProxyHeader header;

    /**
     * @param mode {@link ProxyMode#REQUIRED} or {@link ProxyMode#OPTIONAL}
     * @param maxHeaderBytes the longest header accepted, at least 16; a v1 line is limited to
     *     the smaller of this and 107, and values above 65551 (the v2 maximum) change nothing
     * @throws IllegalArgumentException for another mode or a limit below 16
     */
    public ProxyHeaderDecoder(ProxyMode mode, int maxHeaderBytes) {
        if (mode != ProxyMode.REQUIRED && mode != ProxyMode.OPTIONAL) {
            throw new IllegalArgumentException("a decoder needs mode REQUIRED or OPTIONAL, got " + mode);
        }
        if (maxHeaderBytes < V2Block.FIXED_LENGTH) {
            throw new IllegalArgumentException("maxHeaderBytes must be at least 16, got " + maxHeaderBytes);
        }
        this.mode = mode;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /**
     * Consumes bytes from {@code in} (advancing its position) but never past the end of the
     * header: bytes after the header stay in {@code in}. With NOT_PROXY, the byte that ruled the
     * header out and everything after it also stay in {@code in}. After DONE or NOT_PROXY further
     * calls return the same status and consume nothing. Owner thread only.
     *
     * @throws ProxyHeaderException at the first byte that makes the header invalid; the
     *     decoder is then spent and the connection must be closed
     * @throws IllegalStateException when called again after it threw
     */
    public Status decode(ByteBuffer in) throws ProxyHeaderException {
        try {
            return step(in);
        } catch (ProxyHeaderException e) {
            phase = Phase.FAILED;
            buf = null;
            throw e;
        }
    }

    private Status step(ByteBuffer in) throws ProxyHeaderException {
        switch (phase) {
            case DONE:
                return Status.DONE;
            case NOT_PROXY:
                return Status.NOT_PROXY;
            case FAILED:
                throw new IllegalStateException("this decoder already rejected its header");
            default:
                break;
        }
        while (in.hasRemaining()) {
            switch (phase) {
                case DETECT -> {
                    if (!detect(in)) {
                        return Status.NOT_PROXY;
                    }
                }
                case V1 -> {
                    if (v1Byte(in.get())) {
                        return Status.DONE;
                    }
                }
                case V2 -> {
                    if (v2Bytes(in)) {
                        return Status.DONE;
                    }
                }
                default -> throw new AssertionError(phase);
            }
        }
        return Status.NEED_MORE;
    }

    /** Takes one byte if it continues a signature; false (taking nothing) when OPTIONAL sees none. */
    private boolean detect(ByteBuffer in) throws ProxyHeaderException {
        byte b = in.get(in.position());
        boolean v1 = count < V1Line.PREFIX.length && V1Line.PREFIX[count] == b
                && (count == 0 || buf[0] == V1Line.PREFIX[0]);
        boolean v2 = V2Block.SIGNATURE[count] == b && (count == 0 || buf[0] == V2Block.SIGNATURE[0]);
        if (!v1 && !v2) {
            if (mode == ProxyMode.OPTIONAL) {
                phase = Phase.NOT_PROXY;
                return false;
            }
            throw notASignature(b);
        }
        in.get();
        buf[count++] = b;
        if (v1 && count == V1Line.PREFIX.length) {
            phase = Phase.V1;
            buf = Arrays.copyOf(buf, Math.min(V1Line.MAX_LENGTH, maxHeaderBytes));
        } else if (v2 && count == V2Block.SIGNATURE.length) {
            phase = Phase.V2;
        }
        return true;
    }

    private ProxyHeaderException notASignature(byte b) {
        String found = TextAddresses.describe(new byte[] {b}, 0, 1);
        if (count == 0) {
            // proxy-protocol.txt §2.2: "otherwise the protocol is not covered by this specification and the
            // connection must be dropped"
            return new ProxyHeaderException(0, found + " starts neither the v1 prefix 'PROXY ' nor the v2"
                    + " signature (proxy-protocol.txt §2.2)");
        }
        if (buf[0] == V1Line.PREFIX[0]) {
            // proxy-protocol.txt §2.1: "PROXY" then exactly one space
            return new ProxyHeaderException(count, found + " breaks the v1 prefix 'PROXY ', expected '"
                    + (char) V1Line.PREFIX[count] + "' (proxy-protocol.txt §2.1)");
        }
        // proxy-protocol.txt §2.2: the constant 12-byte signature \r\n\r\n\0\r\nQUIT\n
        return new ProxyHeaderException(count, String.format(
                "%s breaks the v2 signature, expected byte 0x%02x (proxy-protocol.txt §2.2)",
                found, V2Block.SIGNATURE[count]));
    }

    /** Takes one byte of a v1 line; true when it completed the line. */
    private boolean v1Byte(byte b) throws ProxyHeaderException {
        int at = count;
        boolean afterCr = buf[at - 1] == '\r';
        buf[count++] = b;
        if (afterCr) {
            if (b != '\n') {
                // proxy-protocol.txt §2.1: "must not tolerate a single CR or LF character to end the line"
                throw new ProxyHeaderException(at - 1, "CR not followed by LF in the v1 line (proxy-protocol.txt §2.1)");
            }
            header = V1Line.parse(buf, count);
            finish();
            return true;
        }
        if (b == '\n') {
            // proxy-protocol.txt §2.1: "must not tolerate a single CR or LF character to end the line"
            throw new ProxyHeaderException(at, "LF without CR in the v1 line (proxy-protocol.txt §2.1)");
        }
        V1Line.checkEarly(buf, at);
        if (count == buf.length) {
            if (buf.length < V1Line.MAX_LENGTH) {
                throw new ProxyHeaderException(at, "no CRLF within maxHeaderBytes " + maxHeaderBytes);
            }
            // proxy-protocol.txt §2.1: "If the CRLF sequence is not found in the first 107 characters, the
            // receiver should declare the line invalid"; byte 107 did not end one, so none can
            throw new ProxyHeaderException(at, "no CRLF within the first 107 bytes of the v1 line"
                    + " (proxy-protocol.txt §2.1)");
        }
        return false;
    }

    /** Takes v2 bytes up to the header's end; true when it is complete. */
    private boolean v2Bytes(ByteBuffer in) throws ProxyHeaderException {
        if (v2Total < 0) {
            byte b = in.get();
            int at = count;
            buf[count++] = b;
            v2Total = V2Block.checkFixedByte(buf, at, maxHeaderBytes);
            if (v2Total < 0) {
                return false;
            }
            buf = Arrays.copyOf(buf, v2Total);
        } else {
            int n = Math.min(in.remaining(), v2Total - count);
            in.get(buf, count, n);
            count += n;
        }
        if (count < v2Total) {
            return false;
        }
        header = V2Block.parse(buf, v2Total);
        finish();
        return true;
    }

    private void finish() {
        phase = Phase.DONE;
        buf = null;
    }

    /**
     * The header, once {@link #decode} returned DONE.
     *
     * @throws IllegalStateException before that
     */
    public ProxyHeader header() {
        if (phase != Phase.DONE) {
            throw new IllegalStateException("no header decoded yet (" + phase + ")");
        }
        return header;
    }

    /**
     * Once {@link #decode} returned NOT_PROXY (OPTIONAL mode): the bytes this decoder took from
     * earlier buffers while they still looked like a signature, read-only and positioned at 0.
     * They are the protocol's first bytes and come before what remains in the last buffer.
     *
     * @throws IllegalStateException before NOT_PROXY
     */
    public ByteBuffer consumed() {
        if (phase != Phase.NOT_PROXY) {
            throw new IllegalStateException("consumed() is only defined after NOT_PROXY (" + phase + ")");
        }
        return ByteBuffer.wrap(buf, 0, count).slice().asReadOnlyBuffer();
    }
}
