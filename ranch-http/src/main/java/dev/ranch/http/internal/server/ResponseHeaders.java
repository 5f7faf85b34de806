package dev.ranch.http.internal.server;

/**
 * The rules a handler's response header must pass, whichever protocol carries it: shared by
 * HTTP/1.1 ({@code ServerResponse}) and HTTP/2 ({@code dev.ranch.http.h2}). Public only for
 * that sharing; not an application API.
 */
public final class ResponseHeaders {

    private ResponseHeaders() {}

    /**
     * Checks one response header a handler adds. Any thread.
     *
     * @throws IllegalArgumentException when the name is not a token, the value holds a control
     *     or non-Latin-1 character, or the field is one the server sets itself
     */
    public static void check(String name, String value) {
        if (name == null || name.isEmpty() || value == null) {
            throw new IllegalArgumentException("header name and value are required");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            // RFC 9110 section 5.1: field names are tokens.
            if (c > 0x7e || c <= 0x20 || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
                throw new IllegalArgumentException("header name is not a token: " + name);
            }
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            // RFC 9110 section 5.5: no CR, LF, NUL or other controls in values (response splitting).
            if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
                throw new IllegalArgumentException("header value of " + name + " has a control or non-Latin-1 character");
            }
        }
        if (name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")
                || name.equalsIgnoreCase("date")) {
            throw new IllegalArgumentException(name + " is set by the server");
        }
    }

    /**
     * Fields that may not be trailers: their meaning is needed before the content, for framing,
     * routing, authentication, request modifiers, response controls or content format (RFC 9110
     * section 6.5.1), or they belong to one connection (section 7.6.1).
     */
    private static final java.util.Set<String> NOT_TRAILERS = java.util.Set.of(
            "content-length", "transfer-encoding", "trailer", "te", "connection", "keep-alive",
            "proxy-connection", "upgrade", "host", "authorization", "www-authenticate",
            "proxy-authenticate", "proxy-authorization", "authentication-info", "cookie", "set-cookie",
            "cache-control", "expires", "age", "pragma", "vary", "date", "location", "retry-after",
            "content-type", "content-encoding", "content-range", "content-location", "range",
            "expect", "max-forwards");

    /**
     * Checks one trailer field a handler adds: {@link #check}'s rules, and a name the trailer
     * section may carry. Any thread.
     *
     * @throws IllegalArgumentException when {@link #check} refuses it, or the field must be in
     *     the header section
     */
    public static void checkTrailer(String name, String value) {
        check(name, value);
        // RFC 9110 section 6.5.1: a sender must not send as a trailer a field whose definition does not allow it.
        if (NOT_TRAILERS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
            throw new IllegalArgumentException(name + " may not be sent as a trailer (RFC 9110 section 6.5.1)");
        }
    }

    /** Whether a response with this status never has a body (RFC 9110 sections 6.4.1, 15.3.5, 15.4.5). */
    public static boolean bodiless(int status) {
        return HttpStatus.bodiless(status);
    }

    /** The plain-text body of an error answer the server writes itself ({@code 404 Not Found\n}). */
    public static byte[] errorText(int status) {
        return ResponseWriter.errorText(status);
    }

    /** The value of the {@code Date} field for now (RFC 9110 section 5.6.7), shared with HTTP/1.1's cache. */
    public static String date() {
        return DateHeader.value();
    }
}
