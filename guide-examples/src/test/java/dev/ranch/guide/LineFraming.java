package dev.ranch.guide;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Cuts a byte stream into lines ending in LF (a CR before the LF is dropped), each at most {@code maxLine} bytes. */
public final class LineFraming {
    private final int maxLine;
    private byte[] line = new byte[64];
    private int length;
    private boolean overflowed;

    public LineFraming(int maxLine) {
        this.maxLine = maxLine;
    }

    /**
     * The next complete line of {@code data}, or {@code null} once {@code data} is used up: a
     * partial line is kept for the next call, since TCP may split a line anywhere.
     */
    public String next(ByteBuffer data) {
        while (data.hasRemaining() && !overflowed) {
            byte b = data.get();
            if (b == '\n') {
                int end = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
                length = 0;
                return new String(line, 0, end, StandardCharsets.UTF_8);
            }
            if (length > maxLine) {                      // maxLine bytes and a CR fit, one more does not
                overflowed = true;
                return null;
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, Math.min(line.length * 2, maxLine + 1));
            }
            line[length++] = b;
        }
        return null;
    }

    /** Whether a line grew past {@code maxLine}: the stream cannot be framed any more. */
    public boolean overflowed() {
        return overflowed;
    }
}
