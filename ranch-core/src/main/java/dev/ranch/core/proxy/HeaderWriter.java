package dev.ranch.core.proxy;

import dev.ranch.core.proxy.ProxyHeader.AddressFamily;
import dev.ranch.core.proxy.ProxyHeader.Builder;
import dev.ranch.core.proxy.ProxyHeader.Command;
import dev.ranch.core.proxy.ProxyHeader.TransportProtocol;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;

/** Turns a {@link Builder}'s fields into header bytes, refusing what the version cannot carry. */
final class HeaderWriter {

    private HeaderWriter() {
    }

    /** §2.1: "PROXY TCP4|TCP6 src dst sport dport\r\n", or "PROXY UNKNOWN\r\n" without addresses. */
    static byte[] v1(Builder b) {
        if (!b.tlvs.isEmpty() || b.crc32c) {
            throw new IllegalStateException("v1 headers carry no TLVs or checksum");
        }
        if (b.command != Command.PROXY) {
            throw new IllegalStateException("v1 headers have no LOCAL command; send UNKNOWN (no addresses) instead");
        }
        if (b.source == null) {
            return "PROXY UNKNOWN\r\n".getBytes(StandardCharsets.US_ASCII);
        }
        if (b.transportProtocol != TransportProtocol.STREAM) {
            throw new IllegalStateException("v1 headers only describe TCP (STREAM)");
        }
        AddressFamily family = family(b);
        if (family == AddressFamily.UNIX) {
            throw new IllegalStateException("v1 headers only carry IPv4 and IPv6 addresses");
        }
        InetSocketAddress src = (InetSocketAddress) b.source;
        InetSocketAddress dst = (InetSocketAddress) b.destination;
        boolean v4 = family == AddressFamily.INET;
        String line = "PROXY " + (v4 ? "TCP4 " : "TCP6 ")
                + text(src.getAddress(), v4) + " " + text(dst.getAddress(), v4) + " "
                + src.getPort() + " " + dst.getPort() + "\r\n";
        return line.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(InetAddress a, boolean v4) {
        return v4 ? TextAddresses.formatIpv4(a.getAddress()) : TextAddresses.formatIpv6(a.getAddress());
    }

    /** §2.2: signature, ver_cmd, fam, length, address block, TLVs, then the CRC32C TLV if asked. */
    static byte[] v2(Builder b) {
        AddressFamily family = b.source == null ? AddressFamily.UNSPEC : family(b);
        TransportProtocol protocol = b.source == null ? TransportProtocol.UNSPEC : b.transportProtocol;
        if (b.source != null && protocol == TransportProtocol.UNSPEC) {
            throw new IllegalStateException("addresses need a STREAM or DGRAM protocol; UNSPEC hides them");
        }
        if (family == AddressFamily.UNSPEC && (!b.tlvs.isEmpty() || b.crc32c)) {
            throw new IllegalStateException("TLVs need addresses: with an UNSPEC family a receiver cannot find them");
        }
        int addressLength = V2Block.addressLength(family, protocol);
        int length = addressLength + (b.crc32c ? 7 : 0);
        for (ProxyTlv tlv : b.tlvs) {
            length += tlv.encodedLength();
        }
        if (length > 0xFFFF) {
            throw new IllegalStateException("v2 header body of " + length + " bytes exceeds 65535");
        }
        byte[] out = new byte[V2Block.FIXED_LENGTH + length];
        System.arraycopy(V2Block.SIGNATURE, 0, out, 0, V2Block.SIGNATURE.length);
        out[12] = (byte) (0x20 | (b.command == Command.PROXY ? 1 : 0));
        out[13] = (byte) ((family.ordinal() << 4) | protocol.ordinal());
        out[14] = (byte) (length >>> 8);
        out[15] = (byte) length;
        int at = V2Block.FIXED_LENGTH;
        switch (family) {
            case INET, INET6 -> {
                InetSocketAddress src = (InetSocketAddress) b.source;
                InetSocketAddress dst = (InetSocketAddress) b.destination;
                byte[] s = src.getAddress().getAddress();
                byte[] d = dst.getAddress().getAddress();
                System.arraycopy(s, 0, out, at, s.length);
                System.arraycopy(d, 0, out, at + s.length, d.length);
                at += 2 * s.length;
                out[at++] = (byte) (src.getPort() >>> 8);
                out[at++] = (byte) src.getPort();
                out[at++] = (byte) (dst.getPort() >>> 8);
                out[at++] = (byte) dst.getPort();
            }
            case UNIX -> {
                unixPath((UnixDomainSocketAddress) b.source, out, at);
                unixPath((UnixDomainSocketAddress) b.destination, out, at + V2Block.UNIX_PATH_LENGTH);
                at += addressLength;
            }
            case UNSPEC -> {
                // no address block
            }
        }
        for (ProxyTlv tlv : b.tlvs) {
            at = tlv.writeTo(out, at);
        }
        if (b.crc32c) {
            out[at] = (byte) ProxyTlv.PP2_TYPE_CRC32C;
            out[at + 2] = 4;
            int crc = V2Block.checksum(out, at + 3);
            out[at + 3] = (byte) (crc >>> 24);
            out[at + 4] = (byte) (crc >>> 16);
            out[at + 5] = (byte) (crc >>> 8);
            out[at + 6] = (byte) crc;
        }
        return out;
    }

    /** The family both addresses share. */
    private static AddressFamily family(Builder b) {
        AddressFamily s = familyOf(b.source);
        AddressFamily d = familyOf(b.destination);
        if (s != d) {
            throw new IllegalStateException("source is " + s + " but destination is " + d + "; they must match");
        }
        return s;
    }

    private static AddressFamily familyOf(SocketAddress a) {
        if (a instanceof UnixDomainSocketAddress) {
            return AddressFamily.UNIX;
        }
        if (a instanceof InetSocketAddress inet) {
            if (inet.getAddress() == null) {
                throw new IllegalStateException("unresolved address " + inet + "; a header carries IP addresses");
            }
            return inet.getAddress() instanceof Inet4Address ? AddressFamily.INET : AddressFamily.INET6;
        }
        throw new IllegalStateException("unsupported address type " + a.getClass().getName());
    }

    private static void unixPath(UnixDomainSocketAddress a, byte[] out, int at) {
        byte[] path = a.getPath().toString().getBytes(StandardCharsets.UTF_8);
        if (path.length > V2Block.UNIX_PATH_LENGTH) {
            throw new IllegalStateException("UNIX path of " + path.length + " bytes exceeds 108: " + a);
        }
        for (byte c : path) {
            if (c == 0) {
                throw new IllegalStateException("UNIX path contains NUL: " + a);
            }
        }
        System.arraycopy(path, 0, out, at, path.length);
    }
}
