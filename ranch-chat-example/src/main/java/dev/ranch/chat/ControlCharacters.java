package dev.ranch.chat;

/**
 * Finds the control characters a chat line must not carry to other members' terminals: C0
 * (U+0000 to U+001F) except TAB, DEL (U+007F) and C1 (U+0080 to U+009F). ESC starts the
 * sequences that move a terminal's cursor, rewrite its title or its clipboard, and C1 has
 * single-character forms of them (CSI is U+009B), so an {@code nc} user reading a relayed line
 * would be at the sender's mercy. Stateless.
 */
final class ControlCharacters {

    private ControlCharacters() {}

    /**
     * Whether {@code bytes[offset, offset + length)}, well-formed UTF-8 (see {@link Utf8}),
     * holds a control character other than TAB. Any thread.
     */
    static boolean present(byte[] bytes, int offset, int length) {
        int end = offset + length;
        for (int i = offset; i < end; i++) {
            int b = bytes[i] & 0xFF;
            if ((b < 0x20 && b != '\t') || b == 0x7F) {
                return true;
            }
            // In well-formed UTF-8, U+0080..U+009F are exactly C2 80..C2 9F; no other sequence has
            // C2 as a continuation byte, so the next byte is this character's own.
            if (b == 0xC2 && i + 1 < end && (bytes[i + 1] & 0xFF) <= 0x9F) {
                return true;
            }
        }
        return false;
    }
}
