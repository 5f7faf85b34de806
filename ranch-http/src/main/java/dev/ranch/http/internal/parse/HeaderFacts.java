package dev.ranch.http.internal.parse;

import java.util.Arrays;

import static dev.ranch.http.internal.parse.Syntax.bad;
import static dev.ranch.http.internal.parse.Syntax.end;
import static dev.ranch.http.internal.parse.Syntax.isDigit;
import static dev.ranch.http.internal.parse.Syntax.listElementEnd;
import static dev.ranch.http.internal.parse.Syntax.regionIsIgnoreCase;
import static dev.ranch.http.internal.parse.Syntax.start;
import static dev.ranch.http.internal.parse.Syntax.trim;

/**
 * What the header section of one request said about its framing and its connection:
 * Content-Length, Transfer-Encoding, Connection, Host and Expect, read field by field as each
 * line ends (RFC 9112 section 6, RFC 9110 sections 7.6.1, 8.6 and 10.1.1).
 *
 * <p>A small state object owned by one {@link RequestParser}, reset at each header section and
 * reused from request to request; same thread as its parser, not thread-safe.
 */
final class HeaderFacts {

    /** Most significant digits of a Content-Length before it is an overflow (18 always fit a long). */
    private static final int MAX_LENGTH_DIGITS = 18;
    /** Longest Host value remembered as checked; a longer one is checked every time. */
    private static final int CHECKED_HOST_BYTES = 64;

    long contentLength;
    boolean transferEncoding;
    boolean chunked;
    boolean close;
    boolean keepAlive;
    boolean expectContinue;
    boolean expectOther;
    int hosts;
    /** Where the first Host field's value is in the parser's bytes; meaningful when {@link #hosts} > 0. */
    int hostStart;
    int hostEnd;

    /**
     * The last Host value that passed {@link Authority#check}, when it fit: a keep-alive client
     * sends the same one on every request, and the check depends on nothing but the bytes.
     */
    private final byte[] checkedHost = new byte[CHECKED_HOST_BYTES];
    /** How many bytes of {@link #checkedHost} hold it, or -1 before the first. */
    private int checkedHostLength = -1;

    /** Forgets the previous request's fields, at the start of a header section. */
    void reset() {
        contentLength = RequestHead.NO_CONTENT_LENGTH;
        transferEncoding = false;
        chunked = false;
        close = false;
        keepAlive = false;
        expectContinue = false;
        expectOther = false;
        hosts = 0;
    }

    /**
     * Extracts what the server needs from a header field as soon as its line ends, so that a
     * bad framing field is rejected before the rest of the head arrives.
     */
    void interpret(byte[] bytes, int nameFrom, int nameTo, int from, int to) {
        if (regionIsIgnoreCase(bytes, nameFrom, nameTo, "content-length")) {
            long value = contentLength(bytes, from, to);
            // RFC 9112 section 6.3 (item 5) and RFC 9110 section 8.6: differing Content-Length values
            // make the framing unknowable: 400 and close.
            if (contentLength != RequestHead.NO_CONTENT_LENGTH && contentLength != value) {
                throw bad("several different Content-Length values");
            }
            contentLength = value;
        } else if (regionIsIgnoreCase(bytes, nameFrom, nameTo, "transfer-encoding")) {
            if (transferCodings(bytes, from, to, chunked) < 0) {
                chunked = true;
            }
            transferEncoding = true;
        } else if (regionIsIgnoreCase(bytes, nameFrom, nameTo, "host")) {
            // RFC 9112 section 3.2: a Host field with an invalid value gets 400; RFC 9110 section 7.2:
            // Host = uri-host [ ":" port ], empty when the target URI has no authority.
            checkHost(bytes, from, to);
            if (hosts++ == 0) {
                hostStart = from;
                hostEnd = to;
            }
        } else if (regionIsIgnoreCase(bytes, nameFrom, nameTo, "connection")) {
            // RFC 9110 section 7.6.1: Connection is a list of case-insensitive options.
            for (int at = from; at < to; ) {
                int end = listElementEnd(bytes, at, to);
                long token = trim(bytes, at, end);
                if (regionIsIgnoreCase(bytes, start(token), end(token), "close")) {
                    close = true;
                } else if (regionIsIgnoreCase(bytes, start(token), end(token), "keep-alive")) {
                    keepAlive = true;
                }
                at = end + 1;
            }
        } else if (regionIsIgnoreCase(bytes, nameFrom, nameTo, "expect")) {
            // RFC 9110 section 10.1.1: the only expectation is 100-continue, case-insensitive.
            if (regionIsIgnoreCase(bytes, from, to, "100-continue")) {
                expectContinue = true;
            } else {
                expectOther = true;
            }
        }
        if (transferEncoding && contentLength != RequestHead.NO_CONTENT_LENGTH) {
            // RFC 9112 section 6.1 and 6.3 (item 3): Transfer-Encoding with Content-Length is a
            // request-smuggling vector; we reject it (the RFC allows that) and the server closes.
            throw bad("both Transfer-Encoding and Content-Length");
        }
    }

    private void checkHost(byte[] bytes, int from, int to) {
        int n = to - from;
        if (n == checkedHostLength && Arrays.equals(bytes, from, to, checkedHost, 0, n)) {
            return;
        }
        Authority.check(bytes, from, to, Authority.Need.HOST_FIELD);
        if (n <= CHECKED_HOST_BYTES) {
            System.arraycopy(bytes, from, checkedHost, 0, n);
            checkedHostLength = n;
        }
    }

    /**
     * Checks the framing of the complete head, before its body is read.
     *
     * @param version 10 or 11
     */
    void checkFraming(int version, long maxBodySize) {
        if (transferEncoding) {
            if (version == 10) {
                // RFC 9112 section 6.1: Transfer-Encoding in HTTP/1.0 means faulty framing.
                throw bad("Transfer-Encoding in an HTTP/1.0 request");
            }
            if (!chunked) {
                // RFC 9112 section 6.3 (item 4): chunked must be the final coding of a request, else 400.
                throw bad("Transfer-Encoding without chunked as the final coding");
            }
        }
        if (contentLength > maxBodySize) {
            // RFC 9110 section 15.5.14: 413 Content Too Large, before reading any of it.
            throw new HttpParseException(413, "Content-Length " + contentLength + " over the limit of " + maxBodySize);
        }
    }

    private static long contentLength(byte[] bytes, int from, int to) {
        // RFC 9110 section 8.6: Content-Length = 1*DIGIT; a list of identical values may be accepted.
        long result = -1;
        for (int at = from; at <= to; ) {
            int end = listElementEnd(bytes, at, to);
            long element = trim(bytes, at, end);
            if (start(element) == end(element)) {
                // RFC 9110 section 8.6: Content-Length = 1*DIGIT, so never empty.
                throw bad("empty Content-Length");
            }
            long value = 0;
            int significant = 0;
            for (int i = start(element); i < end(element); i++) {
                if (!isDigit(bytes[i])) {
                    // RFC 9110 section 8.6: digits only (no sign, no whitespace inside; Jetty CVE-2023-40167).
                    throw bad("Content-Length is not a number");
                }
                if (value > 0 || bytes[i] != '0') {
                    significant++;
                }
                if (significant > MAX_LENGTH_DIGITS) {
                    // RFC 9112 section 6.3 (item 5): an unparsable length is an unrecoverable framing error.
                    throw bad("Content-Length overflow");
                }
                value = value * 10 + (bytes[i] - '0');
            }
            if (result >= 0 && result != value) {
                // RFC 9110 section 8.6: a list of Content-Length values must be all the same.
                throw bad("several different Content-Length values");
            }
            result = value;
            at = end + 1;
        }
        return result;
    }

    /**
     * Checks the transfer codings of one Transfer-Encoding field.
     *
     * @param chunkedBefore whether an earlier field already ended with chunked
     * @return -1 when this field ends with chunked, otherwise the number of codings
     */
    private static int transferCodings(byte[] bytes, int from, int to, boolean chunkedBefore) {
        int codings = 0;
        boolean lastChunked = false;
        boolean sawChunked = chunkedBefore;
        for (int at = from; at <= to; ) {
            int end = listElementEnd(bytes, at, to);
            long coding = trim(bytes, at, end);
            at = end + 1;
            if (start(coding) == end(coding)) {
                continue;  // RFC 9110 section 5.6.1: empty list elements are ignored
            }
            codings++;
            // RFC 9112 section 7: transfer-coding names are case-insensitive.
            if (regionIsIgnoreCase(bytes, start(coding), end(coding), "chunked")) {
                if (sawChunked) {
                    // RFC 9112 section 7.1: chunked is never applied more than once.
                    throw bad("chunked applied more than once");
                }
                sawChunked = true;
                lastChunked = true;
            } else {
                if (sawChunked) {
                    // RFC 9112 section 6.3 (item 4): chunked not final: the length cannot be known.
                    throw bad("a transfer coding after chunked");
                }
                // RFC 9112 section 6.1: a transfer coding the server does not understand gets 501.
                throw new HttpParseException(501, "unsupported transfer coding");
            }
        }
        if (codings == 0) {
            // RFC 9112 section 6.1: Transfer-Encoding = #transfer-coding with at least one coding.
            throw bad("empty Transfer-Encoding");
        }
        return lastChunked ? -1 : codings;
    }
}
