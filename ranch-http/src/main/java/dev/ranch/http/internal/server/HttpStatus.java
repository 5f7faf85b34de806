package dev.ranch.http.internal.server;

import java.nio.charset.StandardCharsets;

/** Reason phrases and pre-encoded {@code HTTP/1.1 NNN Reason\r\n} status lines. */
final class HttpStatus {

    private static final String[] REASONS = new String[600];
    private static final byte[][] LINES = new byte[600][];

    static {
        // RFC 9110 section 15 names every status it defines; RFC 9112 section 4 lets a status line carry
        // an empty reason, but clients and logs read it, so each code gets its registered phrase.
        reason(100, "Continue");
        reason(101, "Switching Protocols");
        reason(200, "OK");
        reason(201, "Created");
        reason(202, "Accepted");
        reason(203, "Non-Authoritative Information");
        reason(204, "No Content");
        reason(205, "Reset Content");
        reason(206, "Partial Content");
        reason(300, "Multiple Choices");
        reason(301, "Moved Permanently");
        reason(302, "Found");
        reason(303, "See Other");
        reason(304, "Not Modified");
        reason(305, "Use Proxy");
        reason(307, "Temporary Redirect");
        reason(308, "Permanent Redirect");
        reason(400, "Bad Request");
        reason(401, "Unauthorized");
        reason(402, "Payment Required");
        reason(403, "Forbidden");
        reason(404, "Not Found");
        reason(405, "Method Not Allowed");
        reason(406, "Not Acceptable");
        reason(407, "Proxy Authentication Required");
        reason(408, "Request Timeout");
        reason(409, "Conflict");
        reason(410, "Gone");
        reason(411, "Length Required");
        reason(412, "Precondition Failed");
        reason(413, "Content Too Large");
        reason(414, "URI Too Long");
        reason(415, "Unsupported Media Type");
        reason(416, "Range Not Satisfiable");
        reason(417, "Expectation Failed");
        reason(421, "Misdirected Request");
        reason(422, "Unprocessable Content");
        reason(426, "Upgrade Required");
        reason(500, "Internal Server Error");
        reason(501, "Not Implemented");
        reason(502, "Bad Gateway");
        reason(503, "Service Unavailable");
        reason(504, "Gateway Timeout");
        reason(505, "HTTP Version Not Supported");
        // RFC 6585 sections 3 to 6.
        reason(428, "Precondition Required");
        reason(429, "Too Many Requests");
        reason(431, "Request Header Fields Too Large");
        reason(511, "Network Authentication Required");
        for (int status = 100; status < 600; status++) {
            String reason = REASONS[status] == null ? "" : REASONS[status];
            LINES[status] = ("HTTP/1.1 " + status + " " + reason + "\r\n").getBytes(StandardCharsets.US_ASCII);
        }
    }

    private HttpStatus() {}

    private static void reason(int status, String reason) {
        REASONS[status] = reason;
    }

    /** The status line with its CRLF; {@code status} must be 100..599. */
    static byte[] line(int status) {
        return LINES[status];
    }

    /** The registered reason phrase, or "" for a code no RFC names; {@code status} must be 100..599. */
    static String reason(int status) {
        String r = REASONS[status];
        return r == null ? "" : r;
    }

    /** Whether a response with this status never has a body (RFC 9110 sections 6.4.1, 15.3.5, 15.4.5). */
    static boolean bodiless(int status) {
        return status < 200 || status == 204 || status == 304;
    }
}
