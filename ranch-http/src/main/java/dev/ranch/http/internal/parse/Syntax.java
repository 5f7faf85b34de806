package dev.ranch.http.internal.parse;

/**
 * The byte classes and small scanning helpers that the request line, field line and chunk
 * line rules share: token characters, field-value characters, list elements and OWS.
 *
 * <p>Static and stateless: safe from any thread. Package-private, as the rules it serves
 * live in this package.
 */
final class Syntax {

    /** tchar (RFC 9110 section 5.6.2): the characters of tokens, field names and methods. */
    static final boolean[] TCHAR = new boolean[256];
    /** Bytes allowed in a field value besides SP and HTAB: VCHAR and obs-text (RFC 9110 section 5.5). */
    static final boolean[] FIELD_VCHAR = new boolean[256];

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

    private Syntax() {
    }

    /** Whether the bytes are {@code lower}, ASCII letters compared case-insensitively. */
    static boolean regionIsIgnoreCase(byte[] bytes, int from, int to, String lower) {
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
    static int listElementEnd(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to && bytes[i] != ',') {
            i++;
        }
        return i;
    }

    /** The element without surrounding OWS, packed as start (high 32 bits) and end (low 32 bits). */
    static long trim(byte[] bytes, int from, int to) {
        while (from < to && (bytes[from] == ' ' || bytes[from] == '\t')) {
            from++;
        }
        while (to > from && (bytes[to - 1] == ' ' || bytes[to - 1] == '\t')) {
            to--;
        }
        return ((long) from << 32) | to;
    }

    static int start(long span) {
        return (int) (span >>> 32);
    }

    static int end(long span) {
        return (int) span;
    }

    static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    static boolean isAlpha(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** A 400 for input that breaks a rule; {@code reason} says which. */
    static HttpParseException bad(String reason) {
        return new HttpParseException(400, reason);
    }
}
