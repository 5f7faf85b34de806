package dev.ranch.http.internal.parse;

import dev.ranch.http.Headers;
import dev.ranch.http.HttpOptions;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static dev.ranch.http.internal.parse.Syntax.FIELD_VCHAR;
import static dev.ranch.http.internal.parse.Syntax.TCHAR;
import static dev.ranch.http.internal.parse.Syntax.bad;

/**
 * An incremental HTTP/1.1 request parser (RFC 9112, with the field rules of RFC 9110).
 *
 * <p>Feed it bytes as they arrive, split anywhere, one byte at a time if need be: it keeps
 * the request line and header bytes it has seen in one scratch array, and hands them to its
 * one {@link RequestHead} as offsets, not copies; body bytes go to the sink as views of the
 * caller's buffer, never copied. A request whose method is a common one and whose target and
 * Host value are those of the previous request on the connection (a keep-alive client asking
 * again) costs no allocation at all; {@link #keepHead()} hands the head and its bytes to a
 * request that must outlive its turn.
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
    private static final int BODY = 13;  // Content-Length body data
    private static final int CHUNK_LINE = 14;  // a chunk-size line or the CRLF after chunk data: see ChunkDecoder
    private static final int CHUNK_DATA = 15;

    private final int maxRequestLine;
    private final int maxHeaders;
    private final int maxHeaderBytes;
    private final long maxBodySize;
    private final boolean allowBareLf;

    private int state = START;
    private boolean trailers;

    /** Request line and field bytes of the message being parsed; reused from message to message. */
    private byte[] scratch = new byte[512];
    private int length;
    /**
     * Bytes read from a heap copy at a time by {@link #lines}. Small, because what follows a
     * complete message in the copy is copied again by the next call: a typical head (a few
     * hundred bytes) takes a few copies, a keep-alive client's short one a single copy.
     */
    private static final int WINDOW = 128;
    /** The heap copy of the input that {@link #lines} reads. */
    private final byte[] window = new byte[WINDOW];
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

    /** The head of the request being read; the next request's too unless {@link #keepHead()} is called. */
    private RequestHead head = new RequestHead();
    /** The previous target and Host value, reused when the next request repeats them byte for byte. */
    private String lastTarget = "";
    private String lastHost = "";

    /** What the header section said so far. */
    private final HeaderFacts facts = new HeaderFacts();
    private final ChunkDecoder chunks;
    private long bodyRemaining;

    /** A parser for one connection, held to {@code options}' limits (request line, headers, body, chunk extensions). */
    public RequestParser(HttpOptions options) {
        this.maxRequestLine = options.maxRequestLine();
        this.maxHeaders = options.maxHeaders();
        this.maxHeaderBytes = options.maxHeaderBytes();
        this.maxBodySize = options.maxBodySize();
        this.allowBareLf = options.allowBareLf();
        this.chunks = new ChunkDecoder(options.maxChunkExtensionBytes(), options.maxBodySize());
    }

    /**
     * Gives the current head, its bytes and its fields to the request that was made from it,
     * for good: the parser takes fresh ones for the next message. Called when a request must
     * outlive its turn on the connection (its handler went async, runs elsewhere, streams or
     * upgrades). Owner thread.
     */
    public void keepHead() {
        head = new RequestHead();
        scratch = new byte[scratch.length];
        spans = new int[spans.length];
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
                    chunks.dataEnded();
                    state = CHUNK_LINE;
                }
                continue;
            }
            if (lines(in, sink)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Parses the line bytes at the front of {@code in} (request line, field lines, chunk
     * lines) until a message is complete, the body begins or the input ends, advancing
     * {@code in} past what it used. It reads them from a heap copy of at most
     * {@link #WINDOW} bytes: the connection's buffer is direct, where every single-byte read
     * pays a bounds and scope check that an array read in a loop does not.
     *
     * @return {@code true} when a message was completed
     */
    private boolean lines(ByteBuffer in, RequestSink sink) {
        int from = in.position();
        int n = Math.min(in.remaining(), WINDOW);
        byte[] w = window;
        in.get(from, w, 0, n);
        int i = 0;
        boolean completed = false;
        try {
            while (i < n) {
                int s = state;
                if (s == BODY || s == CHUNK_DATA) {
                    break;
                }
                if (s == VALUE || s == NAME || s == TARGET || s == METHOD || s == VERSION) {
                    // The bulk of a head: copy plain bytes in a tight loop, leave the rest to the state machine.
                    i = scan(w, i, n, s);
                    if (i == n) {
                        break;
                    }
                }
                int b = w[i++] & 0xff;
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
                    if (b == '\n') {
                        // A line ends, maybe the head: the sink sees the input as it stands after it.
                        in.position(from + i);
                    }
                    if (fieldLine(s, b, sink)) {
                        completed = true;
                        break;
                    }
                } else {
                    int line = chunks.line(b);
                    if (line == ChunkDecoder.DATA) {
                        bodyRemaining = chunks.chunkSize();
                        state = CHUNK_DATA;
                    } else if (line == ChunkDecoder.LAST) {
                        // RFC 9112 section 7.1.2: the last chunk is followed by the trailer section.
                        trailers = true;
                        // The trailer section must not overwrite the head's fields, which the request still reads.
                        keepHead();
                        length = 0;
                        startSection();
                    }
                }
            }
        } finally {
            in.position(from + i);
        }
        return completed;
    }

    /**
     * Copies the run of ordinary bytes of {@code w} from {@code from} (before {@code to}) for a
     * method, target, version, field name or field value, as the byte-at-a-time states would,
     * within the remaining line or section budget; stops at the first byte that needs a
     * decision (a delimiter, an invalid byte, the version's last byte, which completes it) or
     * at the budget, which the byte-at-a-time path then handles.
     *
     * @return the index of the first byte not taken
     */
    private int scan(byte[] w, int from, int to, int s) {
        boolean requestLine = s <= LINE_LF;
        int budget = requestLine ? maxRequestLine - lineBytes : maxHeaderBytes - sectionBytes;
        int end = Math.min(to, from + Math.max(0, budget));
        if (s == VERSION) {
            // The eighth version byte is left to requestLine, which checks the whole version then.
            end = Math.min(end, from + Math.max(0, 7 - (length - targetEnd)));
        }
        if (length + (end - from) > scratch.length) {
            scratch = Arrays.copyOf(scratch, Math.max(scratch.length * 2, length + (end - from)));
        }
        byte[] out = scratch;
        int len = length;
        int i = from;
        if (s == VALUE) {
            int lastVisible = valueEnd;
            for (; i < end; i++) {
                int b = w[i] & 0xff;
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
        } else if (s == NAME || s == METHOD) {
            for (; i < end; i++) {
                int b = w[i] & 0xff;
                if (!TCHAR[b]) {
                    break;
                }
                out[len++] = (byte) b;
            }
        } else {
            for (; i < end; i++) {
                int b = w[i] & 0xff;
                if (b <= 0x20 || b >= 0x7f) {
                    break;
                }
                out[len++] = (byte) b;
            }
        }
        int n = i - from;
        if (requestLine) {
            lineBytes += n;
        } else {
            sectionBytes += n;
        }
        length = len;
        return i;
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
                        RequestLine.checkVersion(scratch, methodEnd, targetEnd);
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

    private void startSection() {
        state = FIELD_START;
        fields = 0;
        sectionBytes = 0;
        if (!trailers) {
            facts.reset();
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
            facts.interpret(scratch, nameStart, nameEnd, valueStart, valueEnd);
        }
    }

    private boolean endSection(RequestSink sink) {
        if (trailers) {
            // Rare enough to copy: the trailers stay the request's, whatever the parser reads next.
            complete(sink, new Headers(Arrays.copyOf(scratch, length), Arrays.copyOf(spans, 4 * fields), fields));
            return true;
        }
        return head(sink);
    }

    /** @return {@code true} when the message is complete already (no body). */
    private boolean head(RequestSink sink) {
        int version = scratch[targetEnd + 7] == '1' ? 11 : 10;
        facts.checkFraming(version, maxBodySize);
        String method = RequestLine.method(scratch, methodEnd);
        String target = lastTarget = repeated(lastTarget, methodEnd, targetEnd);
        String host = null;
        if (facts.hosts > 0) {
            host = lastHost = repeated(lastHost, facts.hostStart, facts.hostEnd);
        }
        RequestHead head = this.head;
        head.set(method, target, version, host, facts);
        head.fields(scratch, spans, fields);
        if (facts.chunked) {
            chunks.start();
            state = CHUNK_LINE;
            sink.onHead(head);
            return false;
        }
        if (facts.contentLength > 0) {
            bodyRemaining = facts.contentLength;
            state = BODY;
            sink.onHead(head);
            return false;
        }
        // RFC 9112 section 6.3 (item 7): a request with neither has no body.
        sink.onHead(head);
        complete(sink, Headers.EMPTY);
        return true;
    }

    // ---- helpers ----

    /** {@code previous} if the bytes from {@code from} to {@code to} spell it, else a new string of them. */
    private String repeated(String previous, int from, int to) {
        int n = to - from;
        if (previous.length() == n) {
            byte[] b = scratch;
            int i = 0;
            while (i < n && (b[from + i] & 0xff) == previous.charAt(i)) {
                i++;
            }
            if (i == n) {
                return previous;
            }
        }
        // Field values may carry obs-text (RFC 9110 section 5.5): bytes, read as ISO-8859-1.
        return new String(scratch, from, n, StandardCharsets.ISO_8859_1);
    }

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
}
