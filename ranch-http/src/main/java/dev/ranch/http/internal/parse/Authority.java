package dev.ranch.http.internal.parse;

import static dev.ranch.http.internal.parse.Syntax.bad;
import static dev.ranch.http.internal.parse.Syntax.isAlpha;
import static dev.ranch.http.internal.parse.Syntax.isDigit;

/**
 * The syntax of an authority as HTTP carries it: {@code uri-host [ ":" port ]} in a {@code Host}
 * field (RFC 9110 section 7.2), in an absolute-form target (RFC 9112 section 3.2.2) and in a
 * CONNECT's authority-form (RFC 9112 section 3.2.3), with the host and port rules of RFC 3986
 * sections 3.2.2 and 3.2.3. Userinfo is refused wherever it appears (RFC 9110 sections 4.2.4
 * and 7.2), as are ports above 65535.
 *
 * <p>Static and stateless: safe from any thread.
 */
final class Authority {

    /** Largest TCP port (RFC 9293 section 3.1: the port fields are 16 bits). */
    private static final int MAX_PORT = 65535;

    /** unreserved and sub-delims (RFC 3986 sections 2.2 and 2.3): the bytes of a reg-name besides "%". */
    private static final boolean[] REG_NAME = new boolean[256];

    static {
        for (int c = 0; c < 128; c++) {
            REG_NAME[c] = isAlpha(c) || isDigit(c) || "-._~!$&'()*+,;=".indexOf(c) >= 0;
        }
    }

    /** What the authority must have besides valid syntax. */
    enum Need {
        /** A Host field: an empty value is allowed when the target has no authority (RFC 9112 section 3.2). */
        HOST_FIELD,
        /** An http or https URI: a non-empty host (RFC 9110 section 4.2.1). */
        HOST,
        /** CONNECT: a non-empty host and a non-empty port (RFC 9112 section 3.2.3, RFC 9110 section 9.3.6). */
        HOST_AND_PORT,
        /** Another scheme's authority: syntax only (RFC 3986 section 3.2). */
        SYNTAX
    }

    private Authority() {
    }

    /**
     * Checks {@code bytes[from, to)} as {@code host [ ":" port ]}.
     *
     * @throws HttpParseException 400 naming the rule the authority breaks
     */
    static void check(byte[] bytes, int from, int to, Need need) {
        if (from == to && need == Need.HOST_FIELD) {
            return;
        }
        for (int i = from; i < to; i++) {
            if (bytes[i] == '@') {
                // RFC 9110 sections 4.2.4 and 7.2: no userinfo in a target URI or in Host; "@" belongs to
                // no other part of an authority (RFC 3986 section 3.2).
                throw bad("userinfo in the authority");
            }
        }
        int hostEnd = hostEnd(bytes, from, to);
        if (hostEnd == from && need != Need.HOST_FIELD && need != Need.SYNTAX) {
            // RFC 9110 section 4.2.1: an http(s) URI with an empty host is invalid and MUST be rejected.
            throw bad("empty host in the authority");
        }
        if (hostEnd == from && need == Need.HOST_FIELD) {
            // RFC 9110 section 7.2: Host = uri-host [ ":" port ]; a port without a host is not one.
            throw bad("Host with a port but no host");
        }
        if (hostEnd == to) {
            if (need == Need.HOST_AND_PORT) {
                // RFC 9112 section 3.2.3: authority-form = uri-host ":" port.
                throw bad("CONNECT target without a port");
            }
            return;
        }
        if (bytes[hostEnd] != ':') {
            // RFC 3986 section 3.2: after the host only ":" port may follow.
            throw bad("invalid character after the host");
        }
        port(bytes, hostEnd + 1, to, need);
    }

    /** End of the host: at ":" or {@code to}; throws on any byte the host grammar does not allow. */
    private static int hostEnd(byte[] bytes, int from, int to) {
        if (from < to && bytes[from] == '[') {
            // RFC 3986 section 3.2.2: IP-literal = "[" ( IPv6address / IPvFuture ) "]".
            int close = from + 1;
            while (close < to && bytes[close] != ']') {
                close++;
            }
            if (close == to) {
                throw bad("IP literal without its closing bracket");
            }
            if (close > from + 1 && (bytes[from + 1] == 'v' || bytes[from + 1] == 'V')) {
                ipFuture(bytes, from + 1, close);
            } else {
                ipv6(bytes, from + 1, close);
            }
            return close + 1;
        }
        int at = from;
        while (at < to) {
            int b = bytes[at] & 0xff;
            if (b == ':') {
                break;
            }
            if (b == '%') {
                // RFC 3986 section 2.1: pct-encoded = "%" HEXDIG HEXDIG.
                if (at + 2 >= to || !isHex(bytes[at + 1]) || !isHex(bytes[at + 2])) {
                    throw bad("invalid percent-encoding in the host");
                }
                at += 3;
                continue;
            }
            if (!REG_NAME[b]) {
                // RFC 3986 section 3.2.2: reg-name = *( unreserved / pct-encoded / sub-delims ).
                throw bad("invalid character in the host");
            }
            at++;
        }
        return at;
    }

    private static void port(byte[] bytes, int from, int to, Need need) {
        if (from == to && need == Need.HOST_AND_PORT) {
            // RFC 9110 section 9.3.6: a CONNECT to an empty port is rejected with 400.
            throw bad("CONNECT target with an empty port");
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            if (!isDigit(bytes[i])) {
                // RFC 3986 section 3.2.3: port = *DIGIT.
                throw bad("port is not a number");
            }
            value = value * 10 + (bytes[i] - '0');
            if (value > MAX_PORT) {
                // RFC 9110 section 4.2.1: the port is a TCP port, 16 bits (RFC 9293 section 3.1).
                throw bad("port above " + MAX_PORT);
            }
        }
    }

    /** RFC 3986 section 3.2.2: IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" ). */
    private static void ipFuture(byte[] bytes, int from, int to) {
        int at = from + 1;
        int hexStart = at;
        while (at < to && isHex(bytes[at])) {
            at++;
        }
        if (at == hexStart || at == to || bytes[at] != '.' || at + 1 == to) {
            throw bad("invalid IPvFuture literal");
        }
        for (at++; at < to; at++) {
            int b = bytes[at] & 0xff;
            if (b != ':' && !REG_NAME[b]) {
                throw bad("invalid IPvFuture literal");
            }
        }
    }

    /**
     * RFC 3986 section 3.2.2: IPv6address, eight 16-bit pieces of 1 to 4 hex digits, "::" once
     * for a run of zero pieces, and the last two may be written as an IPv4address.
     */
    private static void ipv6(byte[] bytes, int from, int to) {
        int pieces = 0;
        boolean elided = false;
        int at = from;
        if (to - from >= 2 && bytes[from] == ':' && bytes[from + 1] == ':') {
            elided = true;
            at = from + 2;
        } else if (from < to && bytes[from] == ':') {
            throw bad("invalid IPv6 literal");
        }
        while (at < to) {
            int start = at;
            while (at < to && isHex(bytes[at]) && at - start < 5) {
                at++;
            }
            if (at < to && bytes[at] == '.') {
                // The trailing ls32 as an IPv4address: two pieces.
                ipv4(bytes, start, to);
                pieces += 2;
                at = to;
                break;
            }
            if (at == start || at - start > 4) {
                throw bad("invalid IPv6 literal");
            }
            pieces++;
            if (at == to) {
                break;
            }
            if (bytes[at] != ':') {
                throw bad("invalid IPv6 literal");
            }
            at++;
            if (at < to && bytes[at] == ':') {
                if (elided) {
                    throw bad("invalid IPv6 literal");
                }
                elided = true;
                at++;
            } else if (at == to) {
                throw bad("invalid IPv6 literal");
            }
        }
        if (elided ? pieces > 7 : pieces != 8) {
            throw bad("invalid IPv6 literal");
        }
    }

    /** RFC 3986 section 3.2.2: IPv4address = dec-octet "." dec-octet "." dec-octet "." dec-octet. */
    private static void ipv4(byte[] bytes, int from, int to) {
        int octets = 0;
        int at = from;
        while (true) {
            int start = at;
            int value = 0;
            while (at < to && isDigit(bytes[at]) && at - start < 3) {
                value = value * 10 + (bytes[at] - '0');
                at++;
            }
            // dec-octet is 0 to 255 without leading zeros.
            if (at == start || value > 255 || (at - start > 1 && bytes[start] == '0')) {
                throw bad("invalid IPv4 address in an IPv6 literal");
            }
            octets++;
            if (at == to) {
                break;
            }
            if (bytes[at] != '.' || octets == 4) {
                throw bad("invalid IPv4 address in an IPv6 literal");
            }
            at++;
        }
        if (octets != 4) {
            throw bad("invalid IPv4 address in an IPv6 literal");
        }
    }

    private static boolean isHex(byte b) {
        return isDigit(b) || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
    }
}
