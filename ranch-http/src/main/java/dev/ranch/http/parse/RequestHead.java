package dev.ranch.http.parse;

import dev.ranch.http.Headers;

/**
 * A parsed request line and header section, with the facts the server needs from the
 * headers already extracted (framing, persistence, expectation, host). Immutable.
 */
public final class RequestHead {

    /** No {@code Content-Length}: the body is chunked or absent. */
    public static final long NO_CONTENT_LENGTH = -1;

    private final String method;
    private final String target;
    private final int version;
    private final Headers headers;
    private final long contentLength;
    private final boolean chunked;
    private final boolean connectionClose;
    private final boolean connectionKeepAlive;
    private final boolean expectContinue;
    private final boolean expectOther;
    private final int hostCount;

    RequestHead(String method, String target, int version, Headers headers, long contentLength, boolean chunked,
                boolean connectionClose, boolean connectionKeepAlive, boolean expectContinue, boolean expectOther,
                int hostCount) {
        this.method = method;
        this.target = target;
        this.version = version;
        this.headers = headers;
        this.contentLength = contentLength;
        this.chunked = chunked;
        this.connectionClose = connectionClose;
        this.connectionKeepAlive = connectionKeepAlive;
        this.expectContinue = expectContinue;
        this.expectOther = expectOther;
        this.hostCount = hostCount;
    }

    /**
     * The head of an HTTP/2 request (RFC 9113 section 8.3.1), whose pseudo-header fields stand
     * for a request line: {@code target} is {@code :path} (or the authority of a CONNECT),
     * version 20, no framing fields, no persistence fields. Used by {@code dev.ranch.http.h2}.
     */
    public static RequestHead http2(String method, String target, Headers headers, long contentLength,
                                    boolean expectContinue) {
        return new RequestHead(method, target, 20, headers, contentLength, false, false, false, expectContinue,
                false, headers.contains("host") ? 1 : 0);
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

    /** The header fields. */
    public Headers headers() {
        return headers;
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
        return method + " " + target + " HTTP/" + (version / 10) + "." + (version % 10) + " " + headers;
    }
}
