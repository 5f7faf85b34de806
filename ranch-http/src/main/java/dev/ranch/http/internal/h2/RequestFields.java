package dev.ranch.http.internal.h2;

import dev.ranch.http.Headers;
import dev.ranch.http.internal.h2.hpack.HeaderSink;

import java.util.Arrays;

/**
 * Collects the decoded fields of one header block and checks them against the request rules
 * of RFC 9113 §8.2 and §8.3: lowercase names, no connection-specific fields, {@code TE} only
 * {@code trailers}, pseudo-header fields known, first, once each and complete. A block that
 * breaks a rule is malformed ({@link #malformed()} says why); the stream is then reset with
 * {@code PROTOCOL_ERROR} (§8.1.1). The same checks serve a trailer section, which may carry
 * no pseudo-header field at all.
 *
 * <p>Loop thread; one per header block.
 */
final class RequestFields implements HeaderSink {

    private final boolean trailers;
    private String method;
    private String scheme;
    private String authority;
    private String path;
    private String protocol;
    private boolean regularSeen;
    private String malformed;
    private long contentLength = -1;
    private boolean expectContinue;
    private String cookie;

    private byte[] bytes = new byte[256];
    private int length;
    private int[] spans = new int[32];
    private int size;

    RequestFields(boolean trailers) {
        this.trailers = trailers;
    }

    @Override
    public void field(String name, String value) {
        if (malformed != null) {
            return;
        }
        if (name.isEmpty()) {
            malformed = "empty field name";
            return;
        }
        if (name.charAt(0) == ':') {
            pseudo(name, value);
            return;
        }
        regularSeen = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            // §8.2.1: a name holds no uppercase, no controls, no space, nothing above 0x7e (and §8.2:
            // uppercase makes the message malformed).
            if (c <= 0x20 || (c >= 'A' && c <= 'Z') || c >= 0x7f || c == ':') {
                malformed = "field name " + name + " is not lowercase token characters";
                return;
            }
        }
        if (!validValue(value)) {
            malformed = "field " + name + " has a bad value";
            return;
        }
        switch (name) {
            case "connection": case "keep-alive": case "proxy-connection": case "transfer-encoding": case "upgrade":
                // §8.2.2: connection-specific fields have no place in HTTP/2.
                malformed = "connection-specific field " + name;
                return;
            case "te":
                if (!value.equals("trailers")) {
                    malformed = "TE other than trailers";  // §8.2.2
                    return;
                }
                break;
            case "content-length":
                long n = parseLength(value);
                if (n < 0 || (contentLength >= 0 && n != contentLength)) {
                    malformed = "bad content-length " + value;  // RFC 9110 §8.6
                    return;
                }
                contentLength = n;
                break;
            case "expect":
                expectContinue |= value.equalsIgnoreCase("100-continue");
                break;
            case "cookie":
                // §8.2.3: split cookie fields are joined with "; " before they reach HTTP/1.1 semantics.
                cookie = cookie == null ? value : cookie + "; " + value;
                return;
            default:
        }
        add(name, value);
    }

    private void pseudo(String name, String value) {
        if (trailers) {
            malformed = "pseudo-header field in trailers";  // §8.1
            return;
        }
        if (regularSeen) {
            malformed = "pseudo-header field after a regular one";  // §8.3
            return;
        }
        if (!validValue(value)) {
            malformed = "pseudo-header field " + name + " has a bad value";
            return;
        }
        switch (name) {
            case ":method":
                method = once(method, value, name);
                break;
            case ":scheme":
                scheme = once(scheme, value, name);
                break;
            case ":authority":
                authority = once(authority, value, name);
                break;
            case ":path":
                path = once(path, value, name);
                break;
            case ":protocol":
                protocol = once(protocol, value, name);
                break;
            default:
                malformed = "unknown pseudo-header field " + name;  // §8.3: includes :status
        }
    }

    private String once(String previous, String value, String name) {
        if (previous != null) {
            malformed = "duplicate " + name;  // §8.3.1
        }
        return value;
    }

    /** §8.2.1: no NUL, CR or LF anywhere, no whitespace at either end. */
    private static boolean validValue(String value) {
        int n = value.length();
        if (n > 0 && (isBlank(value.charAt(0)) || isBlank(value.charAt(n - 1)))) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            if (c == 0 || c == '\r' || c == '\n') {
                return false;
            }
        }
        return true;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static long parseLength(String value) {
        if (value.isEmpty() || value.length() > 18) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    private void add(String name, String value) {
        int need = length + name.length() + value.length();
        if (need > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(need, 2 * bytes.length));
        }
        if (4 * size + 4 > spans.length) {
            spans = Arrays.copyOf(spans, 2 * spans.length);
        }
        spans[4 * size] = length;
        length = put(name, length);
        spans[4 * size + 1] = length;
        spans[4 * size + 2] = length;
        length = put(value, length);
        spans[4 * size + 3] = length;
        size++;
    }

    private int put(String s, int at) {
        for (int i = 0; i < s.length(); i++) {
            bytes[at++] = (byte) s.charAt(i);  // ISO-8859-1, as HPACK handed it over
        }
        return at;
    }

    /**
     * Checks the request as a whole once the block is decoded (§8.3.1): every pseudo-header
     * field a request needs, and none that its method forbids.
     *
     * @return why the request is malformed, or null
     */
    String malformed() {
        if (malformed != null || trailers) {
            return malformed;
        }
        if (method == null) {
            return "no :method";
        }
        if (protocol != null) {
            return ":protocol without extended CONNECT";  // RFC 8441 §4: we do not announce it
        }
        if (method.equals("CONNECT")) {
            // §8.5: CONNECT carries :authority only.
            return authority == null || scheme != null || path != null ? "CONNECT with the wrong pseudo-headers" : null;
        }
        if (scheme == null || path == null) {
            return "no " + (scheme == null ? ":scheme" : ":path");
        }
        if (path.isEmpty()) {
            return "empty :path";  // §8.3.1
        }
        return null;
    }

    /** The regular fields (cookies joined), for {@code Request.headers()}. */
    Headers headers() {
        if (cookie != null) {
            add("cookie", cookie);
            cookie = null;
        }
        return size == 0 ? Headers.EMPTY : new Headers(Arrays.copyOf(bytes, length), Arrays.copyOf(spans, 4 * size), size);
    }

    String method() {
        return method;
    }

    String scheme() {
        return scheme;
    }

    /** :authority, or the Host field when it is absent (§8.3.1), or "". */
    String authority(Headers headers) {
        if (authority != null) {
            return authority;
        }
        String host = headers.get("host");
        return host == null ? "" : host;
    }

    String path() {
        return path;
    }

    /** The declared content-length, or -1. */
    long contentLength() {
        return contentLength;
    }

    boolean expectContinue() {
        return expectContinue;
    }
}
