package dev.ranch.core.proxy;

import dev.ranch.core.proxy.ProxyHeader.AddressFamily;
import dev.ranch.core.proxy.ProxyHeader.Command;
import dev.ranch.core.proxy.ProxyHeader.TransportProtocol;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The binary v2 header (proxy-protocol.txt §2.2): 12-byte signature, version and command,
 * family and protocol, 16-bit length, then the address block and TLVs. The checks of the fixed
 * 16 bytes run as each byte arrives ({@link #checkFixedByte}); the rest once the whole header is in.
 */
final class V2Block {

    /** §2.2: the 12-byte signature that starts every v2 header. */
    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** §2.2: signature, ver_cmd, fam and the two length bytes. */
    static final int FIXED_LENGTH = 16;
    /** §2.2: the length field is 16 bits, so no header is longer. */
    static final int MAX_LENGTH = FIXED_LENGTH + 0xFFFF;
    /** §2.2.5: the unique id is "up to 128 bytes". */
    static final int MAX_UNIQUE_ID = 128;
    /** §2.2: two 108-byte AF_UNIX paths. */
    static final int UNIX_PATH_LENGTH = 108;

    private V2Block() {
    }

    /**
     * Checks byte {@code at} of the fixed part (12..15) as soon as it arrives.
     *
     * @return the whole header's length once byte 15 arrived, else -1
     */
    static int checkFixedByte(byte[] h, int at, int maxHeaderBytes) throws ProxyHeaderException {
        switch (at) {
            case 12 -> {
                int version = (h[12] & 0xF0) >>> 4;
                if (version != 2) {
                    // proxy-protocol.txt §2.2: the version "must always be sent as \x2 and the receiver must only accept this value"
                    throw new ProxyHeaderException(12, "v2 version nibble is " + version
                            + ", only 2 is valid (proxy-protocol.txt §2.2)");
                }
                int command = h[12] & 0x0F;
                if (command > 1) {
                    // proxy-protocol.txt §2.2: "Receivers must drop connections presenting unexpected values here"
                    throw new ProxyHeaderException(12, "v2 command is 0x" + Integer.toHexString(command)
                            + ", only LOCAL (0x0) and PROXY (0x1) exist (proxy-protocol.txt §2.2)");
                }
            }
            case 13 -> {
                int family = (h[13] & 0xF0) >>> 4;
                if (family > 3) {
                    // proxy-protocol.txt §2.2: other families "must be rejected as invalid by receivers"
                    throw new ProxyHeaderException(13, "v2 address family is 0x" + Integer.toHexString(family)
                            + ", only 0x0-0x3 exist (proxy-protocol.txt §2.2)");
                }
                int protocol = h[13] & 0x0F;
                if (protocol > 2) {
                    // proxy-protocol.txt §2.2: other protocols "must be rejected as invalid by receivers"
                    throw new ProxyHeaderException(13, "v2 transport protocol is 0x" + Integer.toHexString(protocol)
                            + ", only 0x0-0x2 exist (proxy-protocol.txt §2.2)");
                }
            }
            case 15 -> {
                int length = ((h[14] & 0xFF) << 8) | (h[15] & 0xFF);
                int needed = addressLength(family(h), protocol(h));
                if (length < needed) {
                    // proxy-protocol.txt §2.2: address lengths are 12 (IPv4), 36 (IPv6) and 216 (UNIX) bytes
                    throw new ProxyHeaderException(14, "v2 length is " + length + " but " + family(h) + "/"
                            + protocol(h) + " addresses need " + needed + " bytes (proxy-protocol.txt §2.2)");
                }
                int total = FIXED_LENGTH + length;
                if (total > maxHeaderBytes) {
                    throw new ProxyHeaderException(14, "v2 header of " + total + " bytes exceeds maxHeaderBytes "
                            + maxHeaderBytes);
                }
                return total;
            }
            default -> {
                // bytes 0..11 are the signature, matched by the decoder; byte 14 is half the length
            }
        }
        return -1;
    }

    static AddressFamily family(byte[] h) {
        return AddressFamily.values()[(h[13] & 0xF0) >>> 4];
    }

    static TransportProtocol protocol(byte[] h) {
        return TransportProtocol.values()[h[13] & 0x0F];
    }

    /**
     * How many bytes the address block takes, or 0 when family or protocol is unspecified: then
     * the block's layout is unknown and §2.2 says the receiver "should ignore address information".
     */
    static int addressLength(AddressFamily family, TransportProtocol protocol) {
        if (family == AddressFamily.UNSPEC || protocol == TransportProtocol.UNSPEC) {
            return 0;
        }
        return switch (family) {
            case INET -> 2 * 4 + 2 * 2;
            case INET6 -> 2 * 16 + 2 * 2;
            case UNIX -> 2 * UNIX_PATH_LENGTH;
            case UNSPEC -> 0;
        };
    }

    /** Parses a complete header {@code h[0..total)} whose fixed part already passed {@link #checkFixedByte}. */
    static ProxyHeader parse(byte[] h, int total) throws ProxyHeaderException {
        byte[] raw = Arrays.copyOf(h, total);
        Command command = (raw[12] & 0x0F) == 0 ? Command.LOCAL : Command.PROXY;
        AddressFamily family = family(raw);
        TransportProtocol protocol = protocol(raw);
        boolean specified = family != AddressFamily.UNSPEC && protocol != TransportProtocol.UNSPEC;
        if (!specified) {
            // proxy-protocol.txt §2.2: with UNSPEC the block's content is unknown and must be skipped, so
            // no TLV can be located in it
            return new ProxyHeader(2, command, family, protocol, null, null, List.of(), raw);
        }
        int at = FIXED_LENGTH;
        SocketAddress source = null;
        SocketAddress destination = null;
        switch (family) {
            case INET, INET6 -> {
                int n = family == AddressFamily.INET ? 4 : 16;
                int ports = at + 2 * n;
                source = new InetSocketAddress(inet(raw, at, n), port(raw, ports));
                destination = new InetSocketAddress(inet(raw, at + n, n), port(raw, ports + 2));
            }
            case UNIX -> {
                source = unix(raw, at, "source");
                destination = unix(raw, at + UNIX_PATH_LENGTH, "destination");
            }
            case UNSPEC -> throw new AssertionError("handled above");
        }
        if (command == Command.LOCAL) {
            // proxy-protocol.txt §2.2: for LOCAL the receiver "must use the real connection endpoints"
            source = null;
            destination = null;
        }
        int tlvStart = at + addressLength(family, protocol);
        List<ProxyTlv> all = TlvReader.read(raw, tlvStart, total, 0, "TLV");
        List<ProxyTlv> kept = new ArrayList<>(all.size());
        SslInfo ssl = null;
        int crcAt = -1;
        int tlvAt = tlvStart;
        for (ProxyTlv tlv : all) {
            int valueAt = tlvAt + 3;
            switch (tlv.type()) {
                case ProxyTlv.PP2_TYPE_NOOP -> {
                    // proxy-protocol.txt §2.2.4: "should be ignored when parsed"
                }
                case ProxyTlv.PP2_TYPE_CRC32C -> {
                    if (tlv.length() != 4) {
                        // proxy-protocol.txt §2.2.3: "a 32-bit number"
                        throw new ProxyHeaderException(tlvAt, "CRC32C TLV value is " + tlv.length()
                                + " bytes, must be 4 (proxy-protocol.txt §2.2.3)");
                    }
                    if (crcAt >= 0) {
                        throw new ProxyHeaderException(tlvAt, "second CRC32C TLV; the header has one checksum field"
                                + " (proxy-protocol.txt §2.2.3)");
                    }
                    crcAt = valueAt;
                }
                case ProxyTlv.PP2_TYPE_UNIQUE_ID -> {
                    if (tlv.length() > MAX_UNIQUE_ID) {
                        // proxy-protocol.txt §2.2.5: "an opaque byte sequence of up to 128 bytes"
                        throw new ProxyHeaderException(tlvAt, "UNIQUE_ID TLV value is " + tlv.length()
                                + " bytes, at most 128 allowed (proxy-protocol.txt §2.2.5)");
                    }
                }
                case ProxyTlv.PP2_TYPE_AUTHORITY -> TlvStrings.utf8(tlv.array(), valueAt, "AUTHORITY TLV");
                case ProxyTlv.PP2_TYPE_NETNS -> TlvStrings.ascii(tlv.array(), valueAt, "NETNS TLV");
                case ProxyTlv.PP2_TYPE_SSL -> {
                    SslInfo parsed = SslInfo.parse(tlv.array(), valueAt);
                    ssl = ssl != null ? ssl : parsed;
                }
                default -> {
                    // ALPN is any byte sequence; unknown types are kept for the application (§2.2)
                }
            }
            if (tlv.type() != ProxyTlv.PP2_TYPE_NOOP) {
                kept.add(tlv);
            }
            tlvAt += tlv.encodedLength();
        }
        if (crcAt >= 0) {
            verifyChecksum(raw, crcAt);
        }
        return new ProxyHeader(2, command, family, protocol, source, destination, kept, raw, ssl);
    }

    /** proxy-protocol.txt §2.2.3: CRC32C of the whole header with the checksum field zeroed. */
    private static void verifyChecksum(byte[] raw, int crcAt) throws ProxyHeaderException {
        int sent = ((raw[crcAt] & 0xFF) << 24) | ((raw[crcAt + 1] & 0xFF) << 16)
                | ((raw[crcAt + 2] & 0xFF) << 8) | (raw[crcAt + 3] & 0xFF);
        int computed = checksum(raw, crcAt);
        if (sent != computed) {
            // proxy-protocol.txt §2.2.3: on mismatch "the receiver MUST treat the TCP connection ... as invalid"
            throw new ProxyHeaderException(crcAt, String.format(
                    "CRC32C mismatch: header says 0x%08x, its bytes give 0x%08x (proxy-protocol.txt §2.2.3)",
                    sent, computed));
        }
    }

    /** The CRC32C of {@code raw} as if its 4 bytes at {@code crcAt} were zero. */
    static int checksum(byte[] raw, int crcAt) {
        CRC32C crc = new CRC32C();
        crc.update(raw, 0, crcAt);
        crc.update(new byte[4], 0, 4);
        crc.update(raw, crcAt + 4, raw.length - crcAt - 4);
        return (int) crc.getValue();
    }

    private static InetAddress inet(byte[] raw, int at, int n) {
        try {
            byte[] a = Arrays.copyOfRange(raw, at, at + n);
            // Inet6Address keeps a v4-mapped address IPv6, as the family byte says it is
            return n == 4 ? Inet4Address.getByAddress(a) : Inet6Address.getByAddress(null, a, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes", e);
        }
    }

    private static int port(byte[] raw, int at) {
        return ((raw[at] & 0xFF) << 8) | (raw[at + 1] & 0xFF);
    }

    /**
     * A 108-byte AF_UNIX path: bytes up to the first NUL (§2.2 sends sockaddr_un's sun_path). An
     * abstract or unnamed socket (first byte NUL) becomes the empty path.
     */
    private static SocketAddress unix(byte[] raw, int at, String what) throws ProxyHeaderException {
        int end = at;
        while (end < at + UNIX_PATH_LENGTH && raw[end] != 0) {
            end++;
        }
        String path = new String(raw, at, end - at, StandardCharsets.UTF_8);
        try {
            return UnixDomainSocketAddress.of(path);
        } catch (RuntimeException e) {
            throw new ProxyHeaderException(at, "v2 UNIX " + what + " path is not a valid path: " + e.getMessage());
        }
    }
}
