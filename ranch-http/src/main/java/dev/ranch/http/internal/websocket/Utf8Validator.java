package dev.ranch.http.internal.websocket;

import java.nio.ByteBuffer;

/**
 * Incremental UTF-8 validation (RFC 3629 section 4, as RFC 6455 section 8.1 requires of text
 * messages and close reasons): bytes may arrive in any number of pieces, split anywhere, and
 * the first byte that cannot continue a well-formed sequence is reported where it stands,
 * without waiting for the rest of the frame or message. Rejects overlong forms, surrogates
 * and code points above U+10FFFF. No allocation; one per connection, loop thread only.
 */
final class Utf8Validator {

    /** Continuation bytes still owed by the sequence in progress; 0 between characters. */
    private int owed;
    /** Bounds of the next continuation byte, as unsigned values (narrower only after E0, ED, F0, F4). */
    private int low = 0x80;
    private int high = 0xBF;

    /** Forgets any sequence in progress: a new message starts. */
    void reset() {
        owed = 0;
        low = 0x80;
        high = 0xBF;
    }

    /** Whether the bytes seen so far end on a character boundary (a message may end here). */
    boolean atBoundary() {
        return owed == 0;
    }

    /**
     * Checks bytes {@code from} (inclusive) to {@code to} (exclusive) of {@code buf}, absolute
     * indexes, continuing the sequence left open by the previous call.
     *
     * @return -1 when they are well-formed so far, else the index of the first bad byte
     */
    int check(ByteBuffer buf, int from, int to) {
        int i = from;
        while (i < to) {
            if (owed == 0) {
                // Plain ASCII runs are the common case: eight bytes at a time while no high bit is set.
                while (i + 8 <= to && (buf.getLong(i) & 0x8080808080808080L) == 0) {
                    i += 8;
                }
                if (i >= to) {
                    break;
                }
            }
            if (!accept(buf.get(i) & 0xFF)) {
                return i;
            }
            i++;
        }
        return -1;
    }

    /** Checks {@code length} bytes of {@code bytes} from {@code offset}; see {@link #check(ByteBuffer, int, int)}. */
    int check(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (!accept(bytes[i] & 0xFF)) {
                return i;
            }
        }
        return -1;
    }

    private boolean accept(int b) {
        if (owed > 0) {
            if (b < low || b > high) {
                return false;
            }
            owed--;
            low = 0x80;
            high = 0xBF;
            return true;
        }
        if (b < 0x80) {
            return true;
        }
        // RFC 3629 section 4: the lead byte fixes the length and narrows the next byte's range.
        if (b >= 0xC2 && b <= 0xDF) {
            owed = 1;
        } else if (b == 0xE0) {
            owed = 2;
            low = 0xA0;             // no overlong three-byte forms
        } else if (b == 0xED) {
            owed = 2;
            high = 0x9F;            // no UTF-16 surrogates
        } else if (b >= 0xE1 && b <= 0xEF) {
            owed = 2;
        } else if (b == 0xF0) {
            owed = 3;
            low = 0x90;             // no overlong four-byte forms
        } else if (b >= 0xF1 && b <= 0xF3) {
            owed = 3;
        } else if (b == 0xF4) {
            owed = 3;
            high = 0x8F;            // nothing above U+10FFFF
        } else {
            return false;           // C0, C1, F5-FF, or a stray continuation byte
        }
        return true;
    }
}
