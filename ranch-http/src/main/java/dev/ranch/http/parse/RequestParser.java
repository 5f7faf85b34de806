package dev.ranch.http.parse;

import dev.ranch.http.Headers;
import dev.ranch.http.HttpOptions;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental HTTP/1.1 request parser (RFC 9112, with the field rules of RFC 9110).
 *
 * <p>Feed it bytes as they arrive, split anywhere, one byte at a time if need be: it keeps
 * the request line and header bytes it has seen in one reusable scratch array, copies them
 * once into the {@link RequestHead} when the head is complete, and hands body bytes to the
 * sink as views of the caller's buffer, never copied. It allocates nothing per byte.
 *
 * <p>Strict by default: anything the RFCs let a recipient reject is rejected with an
 * {@link HttpParseException} carrying the status to answer; the connection must then be
 * closed, as the parser's position in the stream is lost. Each enforced rule names its RFC
 * section where it is checked. One instance per connection; not thread-safe.
 */
public final class RequestParser {

    // ---- states: request line, then field lines (header and trailer sections), then body ----
    private static final int START = 0;  // before the request line; empty lines skipped
    private static final int START_LF = 1;  // CR of an empty line seen before the request line
    private static final int METHOD = 2;
    private static final int TARGET = 3;
    private static final int VERSION = 4;
    private static final int LINE_CR = 5;  // the version is complete: CRLF must follow
    private static final int LINE_LF = 6;  // CR after the version seen
    private static final int FIELD_START = 7;
    private static final int SECTION_LF = 8;  // CR of the empty line that ends the section seen
    private static final int NAME = 9;
    private static final int VALUE_OWS = 10;
    private static final int VALUE = 11;
    private static final int VALUE_LF = 12;
    private static final int BODY = 13;
    private static final int CHUNK_SIZE = 14;
    private static final int EXT_BWS = 15;  // whitespace after size or extension: only ';' may follow
    private static final int EXT_NAME_BWS = 16;  // after ';'
    private static final int EXT_NAME = 17;
    private static final int EXT_AFTER_NAME = 18;
    private static final int EXT_VALUE_BWS = 19;  // after '='
    private static final int EXT_TOKEN = 20;
    private static final int EXT_QUOTED = 21;
    private static final int EXT_QUOTED_PAIR = 22;
    private static final int EXT_AFTER_QUOTED = 23;
    private static final int CHUNK_SIZE_LF = 24;
    private static final int CHUNK_DATA = 25;
    private static final int CHUNK_DATA_CR = 26;
    private static final int CHUNK_DATA_LF = 27;

    /** tchar (RFC 9110 section 5.6.2): the characters of tokens, field names and methods. */
    private static final boolean[] TCHAR = new boolean[256];
    /** Bytes allowed in a field value besides SP and HTAB: VCHAR and obs-text (RFC 9110 section 5.5). */
    private static final boolean[] FIELD_VCHAR = new boolean[256];
    /** Most significant digits of a Content-Length or chunk size before it is an overflow. */
    private static final int MAX_LENGTH_DIGITS = 18;
    /** Bytes of a chunk-size line beyond its extensions: the size itself, leading zeros included. */
    private static final int MAX_CHUNK_SIZE_DIGITS = 32;

    private static final String[] COMMON_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH",
        "CONNECT", "TRACE"};

    static {
        for (int c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (int c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (int c = 0x21; c <= 0xff; c++) {
            FIELD_VCHAR[c] = c != 0x7f;
        }
    }

    private final int maxRequestLine;
    private final int maxHeaders;
    private final int maxHeaderBytes;
    private final long maxBodySize;
    private final int maxChunkLine;
    private final boolean allowBareLf;

    private int state = START;
    private boolean trailers;

    /** Request line and field bytes of the message being parsed; reused from message to message. */
    private byte[] scratch = new byte[512];
    private int length;
    /** Four offsets per field into {@link #scratch}, as {@link Headers} takes them. */
    private int[] spans = new int[4 * 16];
    private int fields;

    private int lineBytes;
    private int sectionBytes;
    private int methodEnd;
    private int targetEnd;
    private int nameStart;
    private int nameEnd;
    private int valueStart;
    private int valueEnd;

    // What the header section said so far.
    private long contentLength;
    private boolean transferEncoding;
    private boolean chunked;
    private boolean close;
    private boolean keepAlive;
    private boolean expectContinue;
    private boolean expectOther;
    private int hosts;

    private long bodyRemaining;
    private long bodyTotal;
    private long chunkSize;
    private int chunkDigits;
    private int chunkLineBytes;

    public RequestParser(HttpOptions options) {
        this.maxRequestLine = options.maxRequestLine();
        this.maxHeaders = options.maxHeaders();
        this.maxHeaderBytes = options.maxHeaderBytes();
        this.maxBodySize = options.maxBodySize();
        this.maxChunkLine = MAX_CHUNK_SIZE_DIGITS + options.maxChunkExtensionBytes();
        this.allowBareLf = options.allowBareLf();
    }

    /** Whether the parser is between messages with nothing of the next one seen yet. */
    public boolean isIdle() {
        return state == START && lineBytes == 0;
    }

    /** Whether the head of the current message is complete (its body, if any, is being read). */
    public boolean inBody() {
        return state >= BODY || trailers;
    }

    /**
     * Consumes bytes from {@code in} (advancing its position) until it is empty or one
     * message is complete, reporting to {@code sink}. Stops right after a complete message,
     * so that the caller decides whether to parse the next.
     *
     * @return {@code true} when a message was completed by this call
     * @throws HttpParseException when the input breaks a rule; the parser is then unusable
     */
    public boolean parse(ByteBuffer in, RequestSink sink) {
        while (in.hasRemaining()) {
            int s = state;
            if (s == BODY || s == CHUNK_DATA) {
                long n = Math.min(bodyRemaining, in.remaining());
                deliver(in, (int) n, sink);
                bodyRemaining -= n;
                if (bodyRemaining == 0) {
                    if (s == BODY) {
                        complete(sink, Headers.EMPTY);
                        return true;
                    }
                    state = CHUNK_DATA_CR;
                }
                continue;
            }
            if (s == VALUE || s == NAME || s == TARGET) {
                // The bulk of a head: copy plain bytes in a tight loop, leave the rest to the state machine.
                scan(in, s);
                if (!in.hasRemaining()) {
                    break;
                }
            }
            int b = in.get() & 0xff;
            if (s <= LINE_LF) {
                if (++lineBytes > maxRequestLine) {
                    // RFC 9112 section 3: a request-target longer than the server will parse gets 414.
                    throw new HttpParseException(414, "request line longer than " + maxRequestLine + " bytes");
                }
                requestLine(s, b);
            } else if (s <= VALUE_LF) {
                if (++sectionBytes > maxHeaderBytes) {
                    // RFC 6585 section 5: 431 when the header (or trailer) section is too large.
                    throw new HttpParseException(431, (trailers ? "trailer" : "header") + " section larger than "
                            + maxHeaderBytes + " bytes");
                }
                if (fieldLine(s, b, sink)) {
                    return true;
                }
            } else {
                if (chunkLine(s, b)) {
                    complete(sink, Headers.EMPTY);
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Copies the run of ordinary bytes at the front of {@code in} for a target, field name or
     * field value, as the byte-at-a-time states would, within the remaining line or section
     * budget; stops at the first byte that needs a decision (a delimiter, an invalid byte) or
     * at the budget, which the byte-at-a-time path then handles.
     */
    private void scan(ByteBuffer in, int s) {
        int pos = in.position();
        int budget = s == TARGET ? maxRequestLine - lineBytes : maxHeaderBytes - sectionBytes;
        int end = Math.min(in.limit(), pos + Math.max(0, budget));
        if (length + (end - pos) > scratch.length) {
            scratch = Arrays.copyOf(scratch, Math.max(scratch.length * 2, length + (end - pos)));
        }
        byte[] out = scratch;
        int len = length;
        int i = pos;
        if (s == VALUE) {
            int lastVisible = valueEnd;
            for (; i < end; i++) {
                int b = in.get(i) & 0xff;
                if (FIELD_VCHAR[b]) {
                    out[len++] = (byte) b;
                    lastVisible = len;
                } else if (b == ' ' || b == '\t') {
                    out[len++] = (byte) b;
                } else {
                    break;
                }
            }
            valueEnd = lastVisible;
        } else if (s == NAME) {
            for (; i < end; i++) {
                int b = in.get(i) & 0xff;
                if (!TCHAR[b]) {
                    break;
                }
                out[len++] = (byte) b;
            }
        } else {
            for (; i < end; i++) {
                int b = in.get(i) & 0xff;
                if (b <= 0x20 || b >= 0x7f) {
                    break;
                }
                out[len++] = (byte) b;
            }
        }
        int n = i - pos;
        if (s == TARGET) {
            lineBytes += n;
        } else {
            sectionBytes += n;
        }
        length = len;
        in.position(i);
    }

    // ---- request line (RFC 9112 section 3) ----

    private void requestLine(int s, int b) {
        switch (s) {
            case START:
                if (b == '\r') {
                    state = START_LF;
                } else if (b == '\n') {
                    bareLf("an empty line before the request line");
                } else if (TCHAR[b]) {
                    length = 0;
                    append(b);
                    state = METHOD;
                } else {
                    // RFC 9112 section 3: a request line starts with the method token.
                    throw bad("request line does not start with a method token");
                }
                break;
            case START_LF:
                if (b != '\n') {
                    // RFC 9112 section 2.2: a bare CR is invalid.
                    throw bad("CR without LF before the request line");
                }
                // RFC 9112 section 2.2: empty lines before the request line are ignored.
                state = START;
                break;
            case METHOD:
                if (TCHAR[b]) {
                    append(b);
                } else if (b == ' ') {
                    methodEnd = length;
                    state = TARGET;
                } else {
                    // RFC 9112 section 3: method is a token (RFC 9110 section 9.1) followed by exactly one SP.
                    throw bad("invalid character in method");
                }
                break;
            case TARGET:
                if (b > 0x20 && b < 0x7f) {
                    append(b);
                } else if (b == ' ' && length > methodEnd) {
                    targetEnd = length;
                    state = VERSION;
                } else if (b == '\r' || b == '\n') {
                    // RFC 9112 section 3: the version is required; HTTP/0.9 simple requests are not HTTP/1.1.
                    throw bad("request line without an HTTP version");
                } else {
                    // RFC 9112 section 3.2: the request-target has no whitespace or control characters;
                    // RFC 9112 section 3: exactly one SP between the parts.
                    throw bad("invalid character in request target");
                }
                break;
            case VERSION:
                if (b > 0x20 && b < 0x7f) {
                    append(b);
                    if (length - targetEnd == 8) {
                        checkVersion();
                        state = LINE_CR;
                    }
                } else {
                    // RFC 9112 section 2.3: HTTP-version is exactly "HTTP/" DIGIT "." DIGIT.
                    throw bad("malformed HTTP version");
                }
                break;
            case LINE_CR:
                if (b == '\r') {
                    state = LINE_LF;
                } else if (b == '\n') {
                    bareLf("the request line");
                    startSection();
                } else {
                    // RFC 9112 section 3: the request line ends with CRLF right after the version.
                    throw bad("no CRLF after the HTTP version");
                }
                break;
            case LINE_LF:
                if (b != '\n') {
                    // RFC 9112 section 2.2: a bare CR is invalid.
                    throw bad("CR without LF after the request line");
                }
                startSection();
                break;
            default:
                throw new AssertionError(s);
        }
    }

    private void checkVersion() {
        byte[] v = scratch;
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
        checkTargetForm();
    }

    private void checkTargetForm() {
        byte first = scratch[methodEnd];
        int targetLength = targetEnd - methodEnd;
        boolean connect = methodEnd == 7 && regionIs(0, "CONNECT");
        if (connect) {
            // RFC 9112 section 3.2.3: CONNECT takes the authority-form, host ":" port.
            if (first == '/' || indexOf(methodEnd, targetEnd, ':') < 0) {
                throw bad("CONNECT needs an authority-form target");
            }
            return;
        }
        if (first == '/') {
            return;  // origin-form, RFC 9112 section 3.2.1
        }
        if (first == '*' && targetLength == 1) {
            // RFC 9112 section 3.2.4: the asterisk-form is only for OPTIONS.
            if (methodEnd == 7 && regionIs(0, "OPTIONS")) {
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
                return;
            }
            if (!isAlpha(c) && !isDigit(c) && c != '+' && c != '-' && c != '.') {
                break;
            }
        }
        // RFC 9112 section 3.2: no other form of request-target exists.
        throw bad("request target is not origin-, absolute-, authority- or asterisk-form");
    }

    private void startSection() {
        state = FIELD_START;
        fields = 0;
        sectionBytes = 0;
        if (!trailers) {
            contentLength = RequestHead.NO_CONTENT_LENGTH;
            transferEncoding = false;
            chunked = false;
            close = false;
            keepAlive = false;
            expectContinue = false;
            expectOther = false;
            hosts = 0;
        }
    }

    // ---- field lines: header and trailer sections (RFC 9112 section 5, RFC 9110 section 5) ----

    /** @return {@code true} when a trailer section ended a message. */
    private boolean fieldLine(int s, int b, RequestSink sink) {
        switch (s) {
            case FIELD_START:
                if (TCHAR[b]) {
                    nameStart = length;
                    append(b);
                    state = NAME;
                } else if (b == '\r') {
                    state = SECTION_LF;
                } else if (b == '\n') {
                    bareLf("the empty line ending the " + section());
                    return endSection(sink);
                } else if (b == ' ' || b == '\t') {
                    // RFC 9112 section 5.2: obs-fold in a request gets 400; RFC 9112 section 2.2: so does
                    // whitespace between the request line and the first field.
                    throw bad(fields == 0 ? "whitespace before the first field line" : "obsolete line folding");
                } else {
                    // RFC 9110 section 5.1: a field name is a token.
                    throw bad("invalid character in field name");
                }
                return false;
            case SECTION_LF:
                if (b != '\n') {
                    // RFC 9112 section 2.2: a bare CR is invalid.
                    throw bad("CR without LF ending the " + section());
                }
                return endSection(sink);
            case NAME:
                if (TCHAR[b]) {
                    append(b);
                } else if (b == ':') {
                    nameEnd = length;
                    state = VALUE_OWS;
                } else if (b == ' ' || b == '\t') {
                    // RFC 9112 section 5.1: no whitespace between field name and colon; MUST answer 400.
                    throw bad("whitespace between field name and colon");
                } else {
                    // RFC 9110 section 5.1: a field name is a token; RFC 9112 section 5: a field line has a colon.
                    throw bad("invalid character in field name");
                }
                return false;
            case VALUE_OWS:
                if (b == ' ' || b == '\t') {
                    return false;  // RFC 9112 section 5.1: leading OWS is not part of the value
                }
                valueStart = length;
                valueEnd = length;
                state = VALUE;
                return value(b);
            case VALUE:
                return value(b);
            case VALUE_LF:
                if (b != '\n') {
                    // RFC 9112 section 2.2: a bare CR is invalid; RFC 9110 section 5.5: CR in a value is invalid.
                    throw bad("CR without LF in a field line");
                }
                endField();
                return false;
            default:
                throw new AssertionError(s);
        }
    }

    private boolean value(int b) {
        if (FIELD_VCHAR[b]) {
            append(b);
            valueEnd = length;
        } else if (b == ' ' || b == '\t') {
            append(b);  // kept only if more value follows: RFC 9112 section 5.1 drops trailing OWS
        } else if (b == '\r') {
            state = VALUE_LF;
        } else if (b == '\n') {
            bareLf("a field line");
            endField();
        } else {
            // RFC 9110 section 5.5: NUL, CR, LF and other controls are not allowed in field values.
            throw bad("control character in field value");
        }
        return false;
    }

    private void endField() {
        if (fields == maxHeaders) {
            // RFC 6585 section 5: too many fields is 431.
            throw new HttpParseException(431, "more than " + maxHeaders + " " + section() + " fields");
        }
        if (4 * fields + 4 > spans.length) {
            spans = Arrays.copyOf(spans, spans.length * 2);
        }
        int at = 4 * fields++;
        spans[at] = nameStart;
        spans[at + 1] = nameEnd;
        spans[at + 2] = valueStart;
        spans[at + 3] = valueEnd;
        state = FIELD_START;
        if (!trailers) {
            interpret(nameStart, nameEnd, valueStart, valueEnd);
        }
    }

    private boolean endSection(RequestSink sink) {
        Headers section = new Headers(Arrays.copyOf(scratch, length), Arrays.copyOf(spans, 4 * fields), fields);
        if (trailers) {
            complete(sink, section);
            return true;
        }
        return head(section, sink);
    }

    /**
     * Extracts what the server needs from a header field as soon as its line ends, so that a
     * bad framing field is rejected before the rest of the head arrives.
     */
    private void interpret(int nameFrom, int nameTo, int from, int to) {
        byte[] bytes = scratch;
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
            hosts++;
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

    /** @return {@code true} when the message is complete already (no body). */
    private boolean head(Headers headers, RequestSink sink) {
        int version = scratch[targetEnd + 7] == '1' ? 11 : 10;
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
        String method = method();
        String target = new String(scratch, methodEnd, targetEnd - methodEnd, StandardCharsets.ISO_8859_1);
        RequestHead head = new RequestHead(method, target, version, headers, contentLength, chunked, close, keepAlive,
                expectContinue, expectOther, hosts);
        bodyTotal = 0;
        if (chunked) {
            startChunkLine();
            sink.onHead(head);
            return false;
        }
        if (contentLength > 0) {
            bodyRemaining = contentLength;
            state = BODY;
            sink.onHead(head);
            return false;
        }
        // RFC 9112 section 6.3 (item 7): a request with neither has no body.
        sink.onHead(head);
        complete(sink, Headers.EMPTY);
        return true;
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

    private String method() {
        for (String known : COMMON_METHODS) {
            if (known.length() == methodEnd && regionIs(0, known)) {
                return known;
            }
        }
        return new String(scratch, 0, methodEnd, StandardCharsets.ISO_8859_1);
    }

    // ---- chunked body (RFC 9112 section 7.1) ----

    private void startChunkLine() {
        state = CHUNK_SIZE;
        chunkSize = 0;
        chunkDigits = 0;
        chunkLineBytes = 0;
    }

    /** @return {@code true} when the message is complete. */
    private boolean chunkLine(int s, int b) {
        if (s < CHUNK_SIZE_LF && ++chunkLineBytes > maxChunkLine) {
            // RFC 9112 section 7.1.1: a server limits chunk extensions to what it will read.
            throw bad("chunk extensions longer than the limit");
        }
        switch (s) {
            case CHUNK_SIZE: {
                int digit = Character.digit(b, 16);
                if (digit >= 0 && b < 0x80) {
                    // RFC 9112 section 7.1: a recipient must guard against integer overflow.
                    if ((chunkSize != 0 || digit != 0) && ++chunkDigits > 15) {
                        throw bad("chunk size overflow");
                    }
                    chunkSize = chunkSize * 16 + digit;
                    return false;
                }
                if (chunkLineBytes == 1) {
                    // RFC 9112 section 7.1: chunk-size = 1*HEXDIG.
                    throw bad("chunk size is not hexadecimal");
                }
                return afterSizeOrExtension(b, "invalid character after chunk size");
            }
            case EXT_BWS:
                if (b == ' ' || b == '\t') {
                    return false;
                }
                if (b == ';') {
                    state = EXT_NAME_BWS;
                    return false;
                }
                // RFC 9112 section 7.1.1: whitespace on a chunk line only around ';' and '='.
                throw bad("whitespace on a chunk line not followed by an extension");
            case EXT_NAME_BWS:
                if (b == ' ' || b == '\t') {
                    return false;
                }
                if (TCHAR[b]) {
                    state = EXT_NAME;
                    return false;
                }
                // RFC 9112 section 7.1.1: chunk-ext-name is a token.
                throw bad("chunk extension without a name");
            case EXT_NAME:
                if (TCHAR[b]) {
                    return false;
                }
                if (b == '=') {
                    state = EXT_VALUE_BWS;
                    return false;
                }
                if (b == ' ' || b == '\t') {
                    state = EXT_AFTER_NAME;
                    return false;
                }
                return afterSizeOrExtension(b, "invalid character in chunk extension name");
            case EXT_AFTER_NAME:
                if (b == ' ' || b == '\t') {
                    return false;
                }
                if (b == '=') {
                    state = EXT_VALUE_BWS;
                    return false;
                }
                if (b == ';') {
                    state = EXT_NAME_BWS;
                    return false;
                }
                // RFC 9112 section 7.1.1: after a name and BWS only '=' or ';' may follow.
                throw bad("invalid character in chunk extension");
            case EXT_VALUE_BWS:
                if (b == ' ' || b == '\t') {
                    return false;
                }
                if (b == '"') {
                    state = EXT_QUOTED;
                    return false;
                }
                if (TCHAR[b]) {
                    state = EXT_TOKEN;
                    return false;
                }
                // RFC 9112 section 7.1.1: chunk-ext-val = token / quoted-string.
                throw bad("invalid chunk extension value");
            case EXT_TOKEN:
                if (TCHAR[b]) {
                    return false;
                }
                return afterSizeOrExtension(b, "invalid character in chunk extension value");
            case EXT_QUOTED:
                if (b == '"') {
                    state = EXT_AFTER_QUOTED;
                } else if (b == '\\') {
                    state = EXT_QUOTED_PAIR;
                } else if (!(b == '\t' || b == ' ' || b == 0x21 || (b >= 0x23 && b <= 0x5b)
                        || (b >= 0x5d && b <= 0x7e) || b >= 0x80)) {
                    // RFC 9110 section 5.6.4: qdtext has no controls: a quoted string never spans CR or LF.
                    throw bad("invalid character in quoted chunk extension value");
                }
                return false;
            case EXT_QUOTED_PAIR:
                // RFC 9110 section 5.6.4: quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ).
                if (b == '\t' || (b >= 0x20 && b != 0x7f)) {
                    state = EXT_QUOTED;
                    return false;
                }
                throw bad("invalid quoted pair in chunk extension");
            case EXT_AFTER_QUOTED:
                return afterSizeOrExtension(b, "invalid character after quoted chunk extension value");
            case CHUNK_SIZE_LF:
                if (b != '\n') {
                    // RFC 9112 section 7.1: chunk lines end with CRLF; never lenient here (desync vector).
                    throw bad("CR without LF on a chunk-size line");
                }
                if (chunkSize == 0) {
                    // RFC 9112 section 7.1.2: the last chunk is followed by the trailer section.
                    trailers = true;
                    length = 0;
                    startSection();
                    return false;
                }
                if (chunkSize > maxBodySize - bodyTotal) {
                    // RFC 9110 section 15.5.14: the body grew beyond what the server accepts.
                    throw new HttpParseException(413, "chunked body over the limit of " + maxBodySize);
                }
                bodyTotal += chunkSize;
                bodyRemaining = chunkSize;
                state = CHUNK_DATA;
                return false;
            case CHUNK_DATA_CR:
                if (b != '\r') {
                    // RFC 9112 section 7.1: chunk-data is followed by CRLF.
                    throw bad("chunk data not followed by CRLF");
                }
                state = CHUNK_DATA_LF;
                return false;
            case CHUNK_DATA_LF:
                if (b != '\n') {
                    // RFC 9112 section 7.1: chunk-data is followed by CRLF.
                    throw bad("chunk data not followed by CRLF");
                }
                startChunkLine();
                return false;
            default:
                throw new AssertionError(s);
        }
    }

    private boolean afterSizeOrExtension(int b, String error) {
        if (b == '\r') {
            state = CHUNK_SIZE_LF;
        } else if (b == ';') {
            state = EXT_NAME_BWS;
        } else if (b == ' ' || b == '\t') {
            state = EXT_BWS;
        } else if (b == '\n') {
            // RFC 9112 section 7.1: bare LF on a chunk line is rejected even in lenient mode.
            throw bad("bare LF on a chunk line");
        } else {
            throw bad(error);
        }
        return false;
    }

    // ---- helpers ----

    private void complete(RequestSink sink, Headers trailerSection) {
        state = START;
        trailers = false;
        lineBytes = 0;
        length = 0;
        fields = 0;
        sink.onComplete(trailerSection);
    }

    private static void deliver(ByteBuffer in, int n, RequestSink sink) {
        int start = in.position();
        int limit = in.limit();
        in.limit(start + n);
        try {
            sink.onBody(in);
        } finally {
            in.limit(limit);
            in.position(start + n);
        }
    }

    private void bareLf(String where) {
        if (!allowBareLf) {
            // RFC 9112 section 2.2: a recipient MAY accept a bare LF as a line terminator; strict mode does not.
            throw bad("bare LF ending " + where);
        }
    }

    private String section() {
        return trailers ? "trailer" : "header";
    }

    private void append(int b) {
        if (length == scratch.length) {
            scratch = Arrays.copyOf(scratch, scratch.length * 2);
        }
        scratch[length++] = (byte) b;
    }

    private boolean regionIs(int from, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (scratch[from + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private int indexOf(int from, int to, char c) {
        for (int i = from; i < to; i++) {
            if (scratch[i] == c) {
                return i;
            }
        }
        return -1;
    }

    private static boolean regionIsIgnoreCase(byte[] bytes, int from, int to, String lower) {
        if (to - from != lower.length()) {
            return false;
        }
        for (int i = 0; i < lower.length(); i++) {
            int c = bytes[from + i];
            if (c >= 'A' && c <= 'Z') {
                c += 32;
            }
            if (c != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** End (exclusive) of the list element starting at {@code from}: the next comma, or {@code to}. */
    private static int listElementEnd(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && bytes[i] != ',') {
            i++;
        }
        return i;
    }

    /** The element without surrounding OWS, packed as start (high 32 bits) and end (low 32 bits). */
    private static long trim(byte[] bytes, int from, int to) {
        while (from < to && (bytes[from] == ' ' || bytes[from] == '\t')) {
            from++;
        }
        while (to > from && (bytes[to - 1] == ' ' || bytes[to - 1] == '\t')) {
            to--;
        }
        return ((long) from << 32) | to;
    }

    private static int start(long span) {
        return (int) (span >>> 32);
    }

    private static int end(long span) {
        return (int) span;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAlpha(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static HttpParseException bad(String reason) {
        return new HttpParseException(400, reason);
    }
}
