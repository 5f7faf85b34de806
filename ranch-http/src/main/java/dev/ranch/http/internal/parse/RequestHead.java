package dev.ranch.http.internal.parse;

import dev.ranch.http.Headers;

/**
 * A parsed request line and header section, with the facts the server needs from the
 * headers already extracted (framing, persistence, expectation, host).
 *
 * <p>The head of an HTTP/1.1 request belongs to its {@link RequestParser}, which fills the same
 * instance again for the next request on the connection: its header fields stay offsets into
 * the parser's own bytes, read (and made into strings) only when asked for. The connection
 * calls {@link RequestParser#keepHead()} when a request must outlive its turn (an async,
 * blocking, streaming or upgrading handler); the head and its bytes are then the request's
 * for good, and the parser takes fresh ones. An HTTP/2 head ({@link #http2}) is never reused.
 * Owner thread only while the parser may refill it; read-only and safe to share once kept.
 */
public final class RequestHead {

    /** No {@code Content-Length}: the body is chunked or absent. */
    public static final long NO_CONTENT_LENGTH = -1;

    private String method;
    private String target;
    private int version;
    private long contentLength;
    private boolean chunked;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private boolean expectContinue;
    private boolean expectOther;
    private int hostCount;
    /** The first Host field's value, or null for none. */
    private String host;

    // The header fields: four offsets per field into bytes, as Headers takes them.
    private byte[] bytes;
    private int[] spans;
    private int fieldCount;
    /** Made at the first {@link #headers()} call, kept while it still describes the fields. */
    private Headers view;

    RequestHead() {
    }

    /** Fills this head with the request the parser has just read. */
    void set(String method, String target, int version, String host, HeaderFacts facts) {
        this.method = method;
        this.target = target;
        this.version = version;
        this.host = host;
        this.contentLength = facts.contentLength;
        this.chunked = facts.chunked;
        this.connectionClose = facts.close;
        this.connectionKeepAlive = facts.keepAlive;
        this.expectContinue = facts.expectContinue;
        this.expectOther = facts.expectOther;
        this.hostCount = facts.hosts;
    }

    /** Points the header fields at {@code fieldCount} fields of {@code spans} into {@code bytes}. */
    void fields(byte[] bytes, int[] spans, int fieldCount) {
        if (view != null && (bytes != this.bytes || spans != this.spans || fieldCount != this.fieldCount)) {
            view = null;
        }
        this.bytes = bytes;
        this.spans = spans;
        this.fieldCount = fieldCount;
    }

    /**
     * The head of an HTTP/2 request (RFC 9113 section 8.3.1), whose pseudo-header fields stand
     * for a request line: {@code target} is {@code :path} (or the authority of a CONNECT),
     * version 20, no framing fields, no persistence fields. Used by {@code dev.ranch.http.h2}.
     */
    public static RequestHead http2(String method, String target, Headers headers, long contentLength,
                                    boolean expectContinue) {
        RequestHead head = new RequestHead();
        head.method = method;
        head.target = target;
        head.version = 20;
        head.view = headers;
        head.contentLength = contentLength;
        head.expectContinue = expectContinue;
        head.host = headers.get("host");
        head.hostCount = head.host == null ? 0 : 1;
        return head;
    }

    /** The method token, case-sensitive (RFC 9110 section 9.1). */
    public String method() {
        return method;
    }

    /** The request-target exactly as received: origin-, absolute-, authority- or asterisk-form. */
    public String target() {
        return target;
    }

    /** 10 for HTTP/1.0, 11 for HTTP/1.1, 20 for HTTP/2. */
    public int version() {
        return version;
    }

    /**
     * The header fields: a view of the bytes they arrived in, made once and kept while the
     * same arrays hold them (so a keep-alive connection reading the same fields each time
     * makes none).
     */
    public Headers headers() {
        Headers h = view;
        if (h == null) {
            h = new Headers(bytes, spans, fieldCount);
            view = h;
        }
        return h;
    }

    /** The value of the first {@code Host} field, or null when there is none. */
    public String host() {
        return host;
    }

    /** The declared body length, or {@link #NO_CONTENT_LENGTH}. */
    public long contentLength() {
        return contentLength;
    }

    /** Whether the body is chunked. */
    public boolean chunked() {
        return chunked;
    }

    /** Whether a body follows the head (chunked, or a positive Content-Length). */
    public boolean hasBody() {
        return chunked || contentLength > 0;
    }

    /** Whether {@code Connection} lists {@code close}. */
    public boolean connectionClose() {
        return connectionClose;
    }

    /**
     * Whether the connection may stay open after this request (RFC 9112 section 9.3):
     * HTTP/1.1 unless {@code Connection: close}; HTTP/1.0 only with {@code Connection: keep-alive}.
     */
    public boolean keepAlive() {
        if (connectionClose) {
            return false;
        }
        return version == 11 || connectionKeepAlive;
    }

    /** Whether {@code Expect: 100-continue} was sent. */
    public boolean expectContinue() {
        return expectContinue;
    }

    /** Whether an {@code Expect} other than {@code 100-continue} was sent (the server answers 417). */
    public boolean expectOther() {
        return expectOther;
    }

    /** How many {@code Host} fields arrived. */
    public int hostCount() {
        return hostCount;
    }

    @Override
    public String toString() {
        return method + " " + target + " HTTP/" + (version / 10) + "." + (version % 10) + " " + headers();
    }
}
