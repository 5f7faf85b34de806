package dev.ranch.http.internal.websocket;

import java.nio.ByteBuffer;

/**
 * Reads frame headers (RFC 6455 section 5.2) from a byte stream split anywhere, and unmasks
 * payload bytes in place as they pass (section 5.3). It judges nothing: the connection checks
 * each header once it is complete. Header bytes are gathered in a 14-byte array; payload bytes
 * are never copied here. Loop thread only; one per connection.
 */
final class FrameReader {

    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    private final byte[] head = new byte[14];
    private int headLength;
    private boolean inPayload;

    // The current frame, valid from a complete header to the end of its payload.
    private boolean fin;
    private int rsv;
    private int opcode;
    private boolean masked;
    private long length;
    private long left;
    private final byte[] mask = new byte[4];

    /**
     * Takes header bytes from {@code in} until the header is complete.
     *
     * @return {@code true} when a header is complete (its payload, possibly empty, is next)
     */
    boolean readHeader(ByteBuffer in) {
        while (in.hasRemaining()) {
            head[headLength++] = in.get();
            if (headLength >= 2 && headLength == headerSize()) {
                decode();
                headLength = 0;
                inPayload = true;
                return true;
            }
        }
        return false;
    }

    /** Bytes in the complete header, from its first two bytes. */
    private int headerSize() {
        int len7 = head[1] & 0x7F;
        int size = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0);
        return (head[1] & 0x80) != 0 ? size + 4 : size;
    }

    private void decode() {
        int b0 = head[0] & 0xFF;
        int b1 = head[1] & 0xFF;
        fin = (b0 & 0x80) != 0;
        rsv = (b0 >> 4) & 0x7;
        opcode = b0 & 0x0F;
        masked = (b1 & 0x80) != 0;
        int len7 = b1 & 0x7F;
        int at = 2;
        if (len7 == 126) {
            length = ((head[2] & 0xFF) << 8) | (head[3] & 0xFF);
            at = 4;
        } else if (len7 == 127) {
            long v = 0;
            for (int i = 2; i < 10; i++) {
                v = (v << 8) | (head[i] & 0xFF);
            }
            length = v;  // negative when the most significant bit is set: the connection refuses it
            at = 10;
        } else {
            length = len7;
        }
        if (masked) {
            System.arraycopy(head, at, mask, 0, 4);
        }
        left = length;
    }

    boolean inPayload() {
        return inPayload;
    }

    boolean fin() {
        return fin;
    }

    /** The three reserved bits, RSV1 as 4, RSV2 as 2, RSV3 as 1. */
    int rsv() {
        return rsv;
    }

    int opcode() {
        return opcode;
    }

    boolean masked() {
        return masked;
    }

    /** The payload length the header announced; negative if its 64-bit form had the top bit set. */
    long length() {
        return length;
    }

    /** Payload bytes of the current frame not yet passed. */
    long left() {
        return left;
    }

    /**
     * Unmasks, in place, the payload bytes of the current frame available in {@code in} from
     * its position, without moving the position.
     *
     * @return how many bytes, at most {@link #left()}
     */
    int unmask(ByteBuffer in) {
        int n = (int) Math.min(in.remaining(), left);
        if (masked && n > 0) {
            int offset = (int) ((length - left) & 3);
            int from = in.position();
            int end = from + n;
            int i = from;
            if (n >= 8) {
                long wide = 0;
                for (int k = 0; k < 8; k++) {
                    wide = (wide << 8) | (mask[(offset + k) & 3] & 0xFF);
                }
                for (; i + 8 <= end; i += 8) {
                    in.putLong(i, in.getLong(i) ^ wide);
                }
            }
            for (; i < end; i++) {
                in.put(i, (byte) (in.get(i) ^ mask[(offset + i - from) & 3]));
            }
        }
        return n;
    }

    /** {@code n} payload bytes were consumed by the caller; at the last one the next header begins. */
    void passed(int n) {
        left -= n;
        if (left == 0) {
            inPayload = false;
        }
    }
}
