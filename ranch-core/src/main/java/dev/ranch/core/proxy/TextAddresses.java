package dev.ranch.core.proxy;

/**
 * The v1 line's textual addresses and ports (proxy-protocol.txt §2.1), parsed strictly from a
 * byte range of the header and written back in the form receivers accept. Offsets in errors
 * are the positions in the header array.
 */
final class TextAddresses {

    private TextAddresses() {
    }

    /** Parses a dotted quad from {@code s[from..to)} into 4 bytes. */
    static byte[] parseIpv4(byte[] s, int from, int to, String what) throws ProxyHeaderException {
        byte[] out = new byte[4];
        int i = from;
        for (int part = 0; part < 4; part++) {
            int start = i;
            int value = 0;
            while (i < to && isDigit(s[i])) {
                if (i - start == 3) {
                    // proxy-protocol.txt §2.1: integers in [0..255]
                    throw new ProxyHeaderException(i, what + " has a number longer than 3 digits (proxy-protocol.txt §2.1)");
                }
                value = value * 10 + (s[i] - '0');
                i++;
            }
            if (i == start) {
                // proxy-protocol.txt §2.1: exactly 4 decimal integers
                throw new ProxyHeaderException(i, what + ": expected a decimal number, found "
                        + describe(s, i, to) + " (proxy-protocol.txt §2.1)");
            }
            if (s[start] == '0' && i - start > 1) {
                // proxy-protocol.txt §2.1: heading zeroes are not permitted (octal confusion)
                throw new ProxyHeaderException(start, what + " has a number with a leading zero (proxy-protocol.txt §2.1)");
            }
            if (value > 255) {
                // proxy-protocol.txt §2.1: integers in the range [0..255]
                throw new ProxyHeaderException(start, what + " has " + value + ", above 255 (proxy-protocol.txt §2.1)");
            }
            out[part] = (byte) value;
            if (part < 3) {
                if (i >= to || s[i] != '.') {
                    // proxy-protocol.txt §2.1: exactly one dot between each integer
                    throw new ProxyHeaderException(i, what + ": expected '.' after number " + (part + 1)
                            + ", found " + describe(s, i, to) + " (proxy-protocol.txt §2.1)");
                }
                i++;
            }
        }
        if (i != to) {
            // proxy-protocol.txt §2.1: exactly 4 integers
            throw new ProxyHeaderException(i, what + ": unexpected " + describe(s, i, to)
                    + " after the 4th number (proxy-protocol.txt §2.1)");
        }
        return out;
    }

    /**
     * Parses an IPv6 address from {@code s[from..to)} into 16 bytes: colon-separated groups of
     * 1 to 4 hex digits, at most one {@code ::}, and a dotted-quad tail for the last 32 bits
     * (the form {@code inet_ntop} gives v4-mapped addresses, which senders such as HAProxy emit).
     */
    static byte[] parseIpv6(byte[] s, int from, int to, String what) throws ProxyHeaderException {
        int[] groups = new int[8];
        int n = 0;
        int gap = -1;
        int i = from;
        if (i == to) {
            throw new ProxyHeaderException(i, what + " is empty (proxy-protocol.txt §2.1)");
        }
        if (s[i] == ':') {
            if (i + 1 >= to || s[i + 1] != ':') {
                // proxy-protocol.txt §2.1: groups are delimited by colons; a lone leading one delimits nothing
                throw new ProxyHeaderException(i, what + " starts with a single ':' (proxy-protocol.txt §2.1)");
            }
            gap = 0;
            i += 2;
        }
        while (i < to) {
            int end = i;
            boolean dotted = false;
            while (end < to && s[end] != ':') {
                dotted |= s[end] == '.';
                end++;
            }
            if (dotted) {
                if (end != to || n > 6) {
                    throw new ProxyHeaderException(i, what + " has a dotted IPv4 part that is not its last 32 bits"
                            + " (proxy-protocol.txt §2.1: 128 bits exactly)");
                }
                byte[] v4 = parseIpv4(s, i, to, what);
                groups[n++] = ((v4[0] & 0xFF) << 8) | (v4[1] & 0xFF);
                groups[n++] = ((v4[2] & 0xFF) << 8) | (v4[3] & 0xFF);
                i = to;
                break;
            }
            if (end == i || end - i > 4) {
                // proxy-protocol.txt §2.1: sets of (up to) 4 hexadecimal digits
                throw new ProxyHeaderException(i, what + " has a group of " + (end - i)
                        + " hex digits, expected 1 to 4 (proxy-protocol.txt §2.1)");
            }
            if (n == 8) {
                throw new ProxyHeaderException(i, what + " has more than 8 groups (proxy-protocol.txt §2.1: 128 bits exactly)");
            }
            int value = 0;
            for (int k = i; k < end; k++) {
                int d = Character.digit(s[k], 16);
                if (d < 0) {
                    throw new ProxyHeaderException(k, what + ": " + describe(s, k, to)
                            + " is not a hex digit (proxy-protocol.txt §2.1)");
                }
                value = (value << 4) | d;
            }
            groups[n++] = value;
            i = end;
            if (i < to) {
                i++;
                if (i == to) {
                    throw new ProxyHeaderException(i - 1, what + " ends with a single ':' (proxy-protocol.txt §2.1)");
                }
                if (s[i] == ':') {
                    if (gap >= 0) {
                        // proxy-protocol.txt §2.1: "one double colon sequence"
                        throw new ProxyHeaderException(i - 1, what + " has a second '::' (proxy-protocol.txt §2.1)");
                    }
                    gap = n;
                    i++;
                }
            }
        }
        if (gap < 0 && n != 8) {
            // proxy-protocol.txt §2.1: the total number of decoded bits must exactly be 128
            throw new ProxyHeaderException(to, what + " has " + (n * 16) + " bits, not 128 (proxy-protocol.txt §2.1)");
        }
        if (gap >= 0 && n == 8) {
            throw new ProxyHeaderException(from, what + " has 8 groups and a '::' standing for none"
                    + " (proxy-protocol.txt §2.1: 128 bits exactly)");
        }
        byte[] out = new byte[16];
        int zeros = 8 - n;
        for (int g = 0, w = 0; g < n; g++, w++) {
            if (g == gap) {
                w += zeros;
            }
            out[2 * w] = (byte) (groups[g] >>> 8);
            out[2 * w + 1] = (byte) groups[g];
        }
        return out;
    }

    /** Parses a decimal port from {@code s[from..to)}: 0..65535, no sign, no leading zero. */
    static int parsePort(byte[] s, int from, int to, String what) throws ProxyHeaderException {
        if (from == to) {
            throw new ProxyHeaderException(from, what + " is empty (proxy-protocol.txt §2.1)");
        }
        if (s[from] == '0' && to - from > 1) {
            // proxy-protocol.txt §2.1: heading zeroes are not permitted
            throw new ProxyHeaderException(from, what + " has a leading zero (proxy-protocol.txt §2.1)");
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            if (!isDigit(s[i])) {
                // proxy-protocol.txt §2.1: a decimal integer, so no sign, no hex, no space
                throw new ProxyHeaderException(i, what + ": " + describe(s, i, to)
                        + " is not a decimal digit (proxy-protocol.txt §2.1)");
            }
            value = value * 10 + (s[i] - '0');
            if (value > 65535) {
                // proxy-protocol.txt §2.1: in the range [0..65535] inclusive
                throw new ProxyHeaderException(from, what + " is above 65535 (proxy-protocol.txt §2.1)");
            }
        }
        return value;
    }

    /** Writes 4 bytes as a dotted quad. */
    static String formatIpv4(byte[] a) {
        return (a[0] & 0xFF) + "." + (a[1] & 0xFF) + "." + (a[2] & 0xFF) + "." + (a[3] & 0xFF);
    }

    /**
     * Writes 16 bytes as RFC 5952 text: lower-case hex, no leading zeros, the longest run of two
     * or more zero groups (the first on a tie) written {@code ::}. No zone, no dotted tail.
     */
    static String formatIpv6(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 0xFF) << 8) | (a[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLen - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(g[i]));
        }
        return out.toString();
    }

    static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** A byte as the message shows it: printable in quotes, else in hex; or end of field. */
    static String describe(byte[] s, int i, int to) {
        if (i >= to) {
            return "the end of the field";
        }
        int b = s[i] & 0xFF;
        return b >= 0x21 && b <= 0x7E ? "'" + (char) b + "'" : String.format("byte 0x%02x", b);
    }
}
