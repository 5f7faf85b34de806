package dev.ranch.core.proxy;

import dev.ranch.core.proxy.ProxyHeader.AddressFamily;
import dev.ranch.core.proxy.ProxyHeader.Command;
import dev.ranch.core.proxy.ProxyHeader.TransportProtocol;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The human-readable v1 header (proxy-protocol.txt §2.1):
 * {@code PROXY SP (TCP4|TCP6) SP src SP dst SP sport SP dport CRLF} or {@code PROXY UNKNOWN ... CRLF}.
 */
final class V1Line {

    /** "PROXY " : the 6 bytes that identify a v1 header. */
    static final byte[] PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** §2.1: the worst case line, "PROXY UNKNOWN" and two full IPv6 addresses and ports, with CRLF. */
    static final int MAX_LENGTH = 107;

    /** What may follow "PROXY ": a protocol name and the byte after it. */
    private static final byte[][] PROTOCOLS = {
        "TCP4 ".getBytes(StandardCharsets.US_ASCII),
        "TCP6 ".getBytes(StandardCharsets.US_ASCII),
        "UNKNOWN ".getBytes(StandardCharsets.US_ASCII),
        "UNKNOWN\r".getBytes(StandardCharsets.US_ASCII),
    };

    private V1Line() {
    }

    /**
     * Checks byte {@code at} (already in {@code line}) while the line is still arriving, so a
     * sender of garbage is refused at its first wrong byte instead of after 107 bytes.
     */
    static void checkEarly(byte[] line, int at) throws ProxyHeaderException {
        int p = PREFIX.length;
        if (at < p) {
            return;
        }
        byte[] protocol = null;
        for (byte[] candidate : PROTOCOLS) {
            int n = Math.min(at - p + 1, candidate.length);
            if (Arrays.equals(line, p, p + n, candidate, 0, n)) {
                protocol = candidate;
                break;
            }
        }
        if (protocol == null) {
            // proxy-protocol.txt §2.1: only "TCP4", "TCP6" and "UNKNOWN" are allowed, then one space
            throw new ProxyHeaderException(at, "v1 protocol must be 'TCP4 ', 'TCP6 ' or 'UNKNOWN', found "
                    + TextAddresses.describe(line, at, at + 1) + " (proxy-protocol.txt §2.1)");
        }
        if (protocol[0] == 'T' && at >= p + protocol.length) {
            byte b = line[at];
            boolean allowed = b == ' ' || b == '.' || b == ':' || b == '\r' || Character.digit(b, 16) >= 0;
            if (!allowed) {
                // proxy-protocol.txt §2.1: addresses and ports are digits, hex digits, dots and colons
                throw new ProxyHeaderException(at, "v1 TCP line holds " + TextAddresses.describe(line, at, at + 1)
                        + ", which no address or port may contain (proxy-protocol.txt §2.1)");
            }
        }
    }

    /** Whether the protocol field starts with {@code name}, looking only at bytes before {@code at}. */
    private static boolean startsWith(byte[] line, int at, String name) {
        int p = PREFIX.length;
        if (at - p < name.length()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (line[p + i] != name.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Parses a complete line, {@code line[0..length)} ending with CRLF. */
    static ProxyHeader parse(byte[] line, int length) throws ProxyHeaderException {
        byte[] raw = Arrays.copyOf(line, length);
        int p = PREFIX.length;
        int crlf = length - 2;
        if (startsWith(raw, p + 7, "UNKNOWN")) {
            // proxy-protocol.txt §2.1: for UNKNOWN the receiver must ignore anything before the CRLF
            return new ProxyHeader(1, Command.PROXY, AddressFamily.UNSPEC, TransportProtocol.UNSPEC,
                    null, null, List.of(), raw);
        }
        boolean v4;
        if (startsWith(raw, p + 4, "TCP4")) {
            v4 = true;
        } else if (startsWith(raw, p + 4, "TCP6")) {
            v4 = false;
        } else {
            throw new ProxyHeaderException(p, "v1 protocol must be TCP4, TCP6 or UNKNOWN (proxy-protocol.txt §2.1)");
        }
        int at = p + 5;
        int srcEnd = field(raw, at, crlf, "source address", true);
        int dstEnd = field(raw, srcEnd + 1, crlf, "destination address", true);
        int sportEnd = field(raw, dstEnd + 1, crlf, "source port", true);
        int dportEnd = field(raw, sportEnd + 1, crlf, "destination port", false);
        // proxy-protocol.txt §2.1: "The advertised protocol family dictates what format to use"
        InetAddress src = address(raw, at, srcEnd, v4, "source address");
        InetAddress dst = address(raw, srcEnd + 1, dstEnd, v4, "destination address");
        int sport = TextAddresses.parsePort(raw, dstEnd + 1, sportEnd, "source port");
        int dport = TextAddresses.parsePort(raw, sportEnd + 1, dportEnd, "destination port");
        return new ProxyHeader(1, Command.PROXY, v4 ? AddressFamily.INET : AddressFamily.INET6,
                TransportProtocol.STREAM, new InetSocketAddress(src, sport), new InetSocketAddress(dst, dport),
                List.of(), raw);
    }

    /**
     * Finds the end of the field starting at {@code from}: the single space after it, or for the
     * last field the CR at {@code crlf}.
     */
    private static int field(byte[] raw, int from, int crlf, String what, boolean spaceAfter)
            throws ProxyHeaderException {
        int end = from;
        while (end < crlf && raw[end] != ' ') {
            end++;
        }
        if (end == from) {
            // proxy-protocol.txt §2.1: fields are separated by exactly one space
            throw new ProxyHeaderException(from, "v1 " + what + " is missing or preceded by two spaces"
                    + " (proxy-protocol.txt §2.1: exactly one space)");
        }
        if (spaceAfter && end == crlf) {
            // proxy-protocol.txt §2.1: TCP lines carry both addresses and both ports
            throw new ProxyHeaderException(end, "v1 line ends after the " + what
                    + "; TCP4/TCP6 need source, destination and two ports (proxy-protocol.txt §2.1)");
        }
        if (!spaceAfter && end != crlf) {
            // proxy-protocol.txt §2.1: the destination port is followed by CRLF
            throw new ProxyHeaderException(end, "v1 " + what + " must be followed by CRLF, found a space"
                    + " (proxy-protocol.txt §2.1)");
        }
        return end;
    }

    private static InetAddress address(byte[] raw, int from, int to, boolean v4, String what)
            throws ProxyHeaderException {
        try {
            if (v4) {
                return Inet4Address.getByAddress(TextAddresses.parseIpv4(raw, from, to, "TCP4 " + what));
            }
            return Inet6Address.getByAddress(null, TextAddresses.parseIpv6(raw, from, to, "TCP6 " + what), -1);
        } catch (UnknownHostException e) {
            throw new AssertionError("the parsers return 4 and 16 bytes", e);
        }
    }
}
