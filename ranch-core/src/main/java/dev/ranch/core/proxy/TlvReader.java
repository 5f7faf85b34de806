package dev.ranch.core.proxy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Splits a run of bytes into TLVs, refusing any that reaches past its enclosing block. */
final class TlvReader {

    private TlvReader() {
    }

    /**
     * Reads TLVs from {@code bytes[from..to)} in wire order.
     *
     * @param base header offset of {@code bytes[0]}, so error offsets point into the header
     * @param what "TLV" or "SSL sub-TLV", for error messages
     * @throws ProxyHeaderException when fewer than 3 bytes remain for a TLV's type and length,
     *     or when its length runs past {@code to}
     */
    static List<ProxyTlv> read(byte[] bytes, int from, int to, int base, String what)
            throws ProxyHeaderException {
        List<ProxyTlv> tlvs = new ArrayList<>();
        int at = from;
        while (at < to) {
            if (to - at < 3) {
                // proxy-protocol.txt §2.2: struct pp2_tlv has a type byte and two length bytes
                throw new ProxyHeaderException(base + at, what + " header needs 3 bytes (type, length) but "
                        + (to - at) + " remain in its block (proxy-protocol.txt §2.2)");
            }
            int type = bytes[at] & 0xFF;
            int length = ((bytes[at + 1] & 0xFF) << 8) | (bytes[at + 2] & 0xFF);
            if (length > to - at - 3) {
                // proxy-protocol.txt §2.2: the value is exactly <length> bytes, inside the block
                throw new ProxyHeaderException(base + at, String.format(
                        "%s type 0x%02x declares a %d-byte value but only %d bytes remain in its block"
                                + " (proxy-protocol.txt §2.2)", what, type, length, to - at - 3));
            }
            tlvs.add(ProxyTlv.adopt(type, Arrays.copyOfRange(bytes, at + 3, at + 3 + length)));
            at += 3 + length;
        }
        return tlvs;
    }
}
