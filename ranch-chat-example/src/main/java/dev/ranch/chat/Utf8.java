package dev.ranch.chat;

/**
 * Checks bytes for well-formed UTF-8 (RFC 3629) without decoding or allocating: no overlong
 * forms, no surrogates, nothing above U+10FFFF, no truncated sequences. Stateless.
 */
final class Utf8 {

    private Utf8() {}

    /** Whether {@code bytes[offset, offset + length)} is well-formed UTF-8. */
    static boolean isValid(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int b = bytes[i];
            if (b >= 0) {
                i++;
                continue;
            }
            b &= 0xFF;
            int extra;
            int min;
            int max = 0xBF;
            if (b >= 0xC2 && b <= 0xDF) {
                extra = 1;
                min = 0x80;
            } else if (b >= 0xE0 && b <= 0xEF) {
                extra = 2;
                // E0 needs A0.. (no overlong), ED stops at 9F (no surrogates).
                min = b == 0xE0 ? 0xA0 : 0x80;
                max = b == 0xED ? 0x9F : 0xBF;
            } else if (b >= 0xF0 && b <= 0xF4) {
                extra = 3;
                // F0 needs 90.. (no overlong), F4 stops at 8F (nothing above U+10FFFF).
                min = b == 0xF0 ? 0x90 : 0x80;
                max = b == 0xF4 ? 0x8F : 0xBF;
            } else {
                return false;
            }
            if (end - i <= extra) {
                return false;
            }
            int second = bytes[i + 1] & 0xFF;
            if (second < min || second > max) {
                return false;
            }
            for (int k = 2; k <= extra; k++) {
                if ((bytes[i + k] & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += extra + 1;
        }
        return true;
    }
}
