package dev.ranch.http.internal.parse;

import java.nio.charset.StandardCharsets;

import static dev.ranch.http.internal.parse.Syntax.bad;
import static dev.ranch.http.internal.parse.Syntax.isAlpha;
import static dev.ranch.http.internal.parse.Syntax.isDigit;
import static dev.ranch.http.internal.parse.Syntax.regionIsIgnoreCase;

/**
 * The checks on a complete request line (RFC 9112 section 3) that need more than one byte to
 * decide: the HTTP version, the form of the request-target for its method, and the method's
 * name, interned for the common ones. {@link RequestParser} reads the line byte by byte into
 * its scratch array and calls these with the offsets where the method and target end.
 *
 * <p>Static and stateless: safe from any thread.
 */
final class RequestLine {

    private static final String[] COMMON_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
        "CONNECT", "TRACE"};

    private RequestLine() {
    }

    /**
     * Checks the version of a request line that has just reached its eighth version byte, then
     * the target's form; the bytes from {@code targetEnd} on are the version.
     */
    static void checkVersion(byte[] v, int methodEnd, int targetEnd) {
        int at = targetEnd;
        // RFC 9112 section 2.3: HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive.
        if (v[at] != 'H' || v[at + 1] != 'T' || v[at + 2] != 'T' || v[at + 3] != 'P'
                || v[at + 4] != '/' || !isDigit(v[at + 5]) || v[at + 6] != '.' || !isDigit(v[at + 7])) {
            throw bad("malformed HTTP version");
        }
        if (v[at + 5] != '1' || (v[at + 7] != '0' && v[at + 7] != '1')) {
            // RFC 9110 section 15.6.6: 505 for a major version (or here, any version) not supported.
            throw new HttpParseException(505, "HTTP version not supported");
        }
        checkTargetForm(v, methodEnd, targetEnd);
    }

    private static void checkTargetForm(byte[] scratch, int methodEnd, int targetEnd) {
        byte first = scratch[methodEnd];
        int targetLength = targetEnd - methodEnd;
        boolean connect = methodEnd == 7 && regionIs(scratch, 0, "CONNECT");
        if (connect) {
            // RFC 9112 section 3.2.3: CONNECT takes the authority-form, uri-host ":" port.
            Authority.check(scratch, methodEnd, targetEnd, Authority.Need.HOST_AND_PORT);
            return;
        }
        if (first == '/') {
            return;  // origin-form, RFC 9112 section 3.2.1
        }
        if (first == '*' && targetLength == 1) {
            // RFC 9112 section 3.2.4: the asterisk-form is only for OPTIONS.
            if (methodEnd == 7 && regionIs(scratch, 0, "OPTIONS")) {
                return;
            }
            // RFC 9112 section 3.2.4: asterisk-form only with OPTIONS.
            throw bad("asterisk-form target with a method other than OPTIONS");
        }
        // RFC 9112 section 3.2.2: absolute-form, an absolute URI; its scheme is
        // ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ":" (RFC 3986 section 3.1).
        if (!isAlpha(first)) {
            throw bad("request target is not origin-, absolute-, authority- or asterisk-form");
        }
        for (int i = methodEnd + 1; i < targetEnd; i++) {
            byte c = scratch[i];
            if (c == ':') {
                absoluteAuthority(scratch, methodEnd, i, targetEnd);
                return;
            }
            if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') {
                break;
            }
        }
        // RFC 9112 section 3.2: no other form of request-target exists.
        throw bad("request target is not origin-, absolute-, authority- or asterisk-form");
    }

    /**
     * Checks the authority of an absolute-form target whose scheme ends at {@code colon}: the
     * server routes on it in place of Host (RFC 9112 section 3.2.2), so it must be as valid as Host.
     */
    private static void absoluteAuthority(byte[] scratch, int from, int colon, int targetEnd) {
        // RFC 3986 section 3.1: scheme names are case-insensitive.
        boolean http = regionIsIgnoreCase(scratch, from, colon, "http")
                || regionIsIgnoreCase(scratch, from, colon, "https");
        boolean hasAuthority = targetEnd - colon >= 3 && scratch[colon + 1] == '/' && scratch[colon + 2] == '/';
        if (!hasAuthority) {
            if (http) {
                // RFC 9110 section 4.2.1: http-URI = "http" "://" authority path-abempty [ "?" query ].
                throw bad("http URI without an authority");
            }
            return;  // RFC 3986 section 3: hier-part without "//" has no authority (urn:, mailto:)
        }
        int start = colon + 3;
        int end = start;
        while (end < targetEnd && scratch[end] != '/' && scratch[end] != '?' && scratch[end] != '#') {
            end++;
        }
        // RFC 9110 section 4.2.1: an http(s) URI's host is never empty; RFC 3986 section 3.2 for the rest.
        Authority.check(scratch, start, end, http ? Authority.Need.HOST : Authority.Need.SYNTAX);
    }

    /** The method as a string: one of the interned constants when it is a common one. */
    static String method(byte[] scratch, int methodEnd) {
        // GET first, in straight-line code: it is nearly every request a server sees.
        if (methodEnd == 3 && scratch[0] == 'G' && scratch[1] == 'E' && scratch[2] == 'T') {
            return "GET";
        }
        for (String known : COMMON_METHODS) {
            if (known.length() == methodEnd && regionIs(scratch, 0, known)) {
                return known;
            }
        }
        return new String(scratch, 0, methodEnd, StandardCharsets.ISO_8859_1);
    }

    private static boolean regionIs(byte[] scratch, int from, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (scratch[from + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
