package dev.ranch.http.internal.parse;

import static dev.ranch.http.internal.parse.Syntax.TCHAR;
import static dev.ranch.http.internal.parse.Syntax.bad;

/**
 * The chunk-size lines of a chunked body (RFC 9112 section 7.1): the size, its extensions
 * (RFC 9112 section 7.1.1) and the CRLF after each chunk's data, a byte at a time. The data
 * itself never passes through here: {@link RequestParser} hands it to the sink in bulk, told
 * how much by {@link #chunkSize()}, and calls {@link #dataEnded()} after it.
 *
 * <p>A small state object owned by one {@link RequestParser}, reused from body to body; same
 * thread as its parser, not thread-safe.
 */
final class ChunkDecoder {

    /** The line goes on: more bytes wanted. */
    static final int MORE = 0;
    /** A chunk-size line ended: {@link #chunkSize()} bytes of data follow. */
    static final int DATA = 1;
    /** The last-chunk line ended: the trailer section follows. */
    static final int LAST = 2;

    // ---- states: the size, its extensions, then the line end; the CRLF after chunk data ----
    private static final int CHUNK_SIZE = 0;
    private static final int EXT_BWS = 1;  // whitespace after size or extension: only ';' may follow
    private static final int EXT_NAME_BWS = 2;  // after ';'
    private static final int EXT_NAME = 3;
    private static final int EXT_AFTER_NAME = 4;
    private static final int EXT_VALUE_BWS = 5;  // after '='
    private static final int EXT_TOKEN = 6;
    private static final int EXT_QUOTED = 7;
    private static final int EXT_QUOTED_PAIR = 8;
    private static final int EXT_AFTER_QUOTED = 9;
    private static final int CHUNK_SIZE_LF = 10;
    private static final int CHUNK_DATA_CR = 11;
    private static final int CHUNK_DATA_LF = 12;

    /** Most hex digits of a chunk size, leading zeros included; apart from the extension limit. */
    private static final int MAX_CHUNK_SIZE_DIGITS = 32;

    private final int maxExtensionBytes;
    private final long maxBodySize;

    private int state = CHUNK_SIZE;
    private long bodyTotal;
    private long chunkSize;
    /** Significant digits of the chunk size: at most 15 keeps it a positive long. */
    private int chunkDigits;
    /** Every digit of the chunk size, leading zeros included. */
    private int sizeBytes;
    /** Bytes of the line after the size and before its CR: the chunk-ext of RFC 9112 section 7.1.1. */
    private int extensionBytes;

    /**
     * @param maxChunkExtensionBytes most bytes of chunk-ext on one line, counted from the first byte after
     *                               the size (";" or whitespace) up to, not including, the CR
     */
    ChunkDecoder(int maxChunkExtensionBytes, long maxBodySize) {
        this.maxExtensionBytes = maxChunkExtensionBytes;
        this.maxBodySize = maxBodySize;
    }

    /** Starts a new chunked body: its first chunk-size line comes next. */
    void start() {
        bodyTotal = 0;
        startLine();
    }

    /** Size of the chunk whose line ended with {@link #DATA}. */
    long chunkSize() {
        return chunkSize;
    }

    /** The data of the current chunk was all delivered: its CRLF comes next. */
    void dataEnded() {
        state = CHUNK_DATA_CR;
    }

    private void startLine() {
        state = CHUNK_SIZE;
        chunkSize = 0;
        chunkDigits = 0;
        sizeBytes = 0;
        extensionBytes = 0;
    }

    /**
     * Takes one byte of a chunk-size line (or of the CRLF after chunk data).
     *
     * @return {@link #MORE}, {@link #DATA} or {@link #LAST}
     */
    int line(int b) {
        int s = state;
        if (s > CHUNK_SIZE && s < CHUNK_SIZE_LF && b != '\r' && b != '\n') {
            extensionByte();
        }
        switch (s) {
            case CHUNK_SIZE: {
                int digit = Character.digit(b, 16);
                if (digit >= 0 && b < 0x80) {
                    // RFC 9112 section 7.1: a recipient must guard against integer overflow.
                    if ((chunkSize != 0 || digit != 0) && ++chunkDigits > 15) {
                        throw bad("chunk size overflow");
                    }
                    if (++sizeBytes > MAX_CHUNK_SIZE_DIGITS) {
                        // RFC 9112 section 7.1: chunk-size = 1*HEXDIG admits endless leading zeros; we bound them.
                        throw bad("chunk size longer than " + MAX_CHUNK_SIZE_DIGITS + " digits");
                    }
                    chunkSize = chunkSize * 16 + digit;
                    return MORE;
                }
                if (sizeBytes == 0) {
                    // RFC 9112 section 7.1: chunk-size = 1*HEXDIG.
                    throw bad("chunk size is not hexadecimal");
                }
                if (b != '\r' && b != '\n') {
                    extensionByte();
                }
                return afterSizeOrExtension(b, "invalid character after chunk size");
            }
            case EXT_BWS:
                if (b == ' ' || b == '\t') {
                    return MORE;
                }
                if (b == ';') {
                    state = EXT_NAME_BWS;
                    return MORE;
                }
                // RFC 9112 section 7.1.1: whitespace on a chunk line only around ';' and '='.
                throw bad("whitespace on a chunk line not followed by an extension");
            case EXT_NAME_BWS:
                if (b == ' ' || b == '\t') {
                    return MORE;
                }
                if (TCHAR[b]) {
                    state = EXT_NAME;
                    return MORE;
                }
                // RFC 9112 section 7.1.1: chunk-ext-name is a token.
                throw bad("chunk extension without a name");
            case EXT_NAME:
                if (TCHAR[b]) {
                    return MORE;
                }
                if (b == '=') {
                    state = EXT_VALUE_BWS;
                    return MORE;
                }
                if (b == ' ' || b == '\t') {
                    state = EXT_AFTER_NAME;
                    return MORE;
                }
                return afterSizeOrExtension(b, "invalid character in chunk extension name");
            case EXT_AFTER_NAME:
                if (b == ' ' || b == '\t') {
                    return MORE;
                }
                if (b == '=') {
                    state = EXT_VALUE_BWS;
                    return MORE;
                }
                if (b == ';') {
                    state = EXT_NAME_BWS;
                    return MORE;
                }
                // RFC 9112 section 7.1.1: after a name and BWS only '=' or ';' may follow.
                throw bad("invalid character in chunk extension");
            case EXT_VALUE_BWS:
                if (b == ' ' || b == '\t') {
                    return MORE;
                }
                if (b == '"') {
                    state = EXT_QUOTED;
                    return MORE;
                }
                if (TCHAR[b]) {
                    state = EXT_TOKEN;
                    return MORE;
                }
                // RFC 9112 section 7.1.1: chunk-ext-val = token / quoted-string.
                throw bad("invalid chunk extension value");
            case EXT_TOKEN:
                if (TCHAR[b]) {
                    return MORE;
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
                return MORE;
            case EXT_QUOTED_PAIR:
                // RFC 9110 section 5.6.4: quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ).
                if (b == '\t' || (b >= 0x20 && b != 0x7f)) {
                    state = EXT_QUOTED;
                    return MORE;
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
                    return LAST;
                }
                if (chunkSize > maxBodySize - bodyTotal) {
                    // RFC 9110 section 15.5.14: the body grew beyond what the server accepts.
                    throw new HttpParseException(413, "chunked body over the limit of " + maxBodySize);
                }
                bodyTotal += chunkSize;
                return DATA;
            case CHUNK_DATA_CR:
                if (b != '\r') {
                    // RFC 9112 section 7.1: chunk-data is followed by CRLF.
                    throw bad("chunk data not followed by CRLF");
                }
                state = CHUNK_DATA_LF;
                return MORE;
            case CHUNK_DATA_LF:
                if (b != '\n') {
                    // RFC 9112 section 7.1: chunk-data is followed by CRLF.
                    throw bad("chunk data not followed by CRLF");
                }
                startLine();
                return MORE;
            default:
                throw new AssertionError(s);
        }
    }

    private void extensionByte() {
        if (++extensionBytes > maxExtensionBytes) {
            // RFC 9112 section 7.1.1: a server limits the length of chunk extensions it accepts; 400 above it.
            throw bad("chunk extensions longer than " + maxExtensionBytes + " bytes");
        }
    }

    private int afterSizeOrExtension(int b, String error) {
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
        return MORE;
    }
}
