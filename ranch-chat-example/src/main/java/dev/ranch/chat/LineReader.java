package dev.ranch.chat;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Cuts a byte stream into lines ending with LF or CRLF, at most {@code maxLine} bytes each
 * (without the terminator). Not thread-safe: one reader per member, used on its owner loop.
 */
final class LineReader {

    /** {@link #next} found no LF yet: all of {@code data} was taken, the line goes on. */
    static final int MORE = -1;
    /** {@link #next} met a line longer than {@code maxLine}: the stream is unusable now. */
    static final int TOO_LONG = -2;

    /** Line buffers larger than this are dropped between lines, so idle members stay small. */
    private static final int KEEP_BUFFER = 1024;

    private final int maxLine;
    /** The line being assembled; {@code null} between lines once it grew past {@link #KEEP_BUFFER}. */
    private byte[] line;
    private int length;

    LineReader(int maxLine) {
        this.maxLine = maxLine;
    }

    /**
     * Takes bytes from {@code data} up to and including the next LF. Returns the length of the
     * completed line, readable in {@link #line()} until the next call (0 for an empty line),
     * or {@link #MORE}, or {@link #TOO_LONG}.
     */
    int next(ByteBuffer data) {
        int start = data.position();
        int end = data.limit();
        int lf = start;
        while (lf < end && data.get(lf) != '\n') {
            lf++;
        }
        int n = lf - start;
        // maxLine + 1: room for the CR of a CRLF, which is not part of the line.
        if (length + n > maxLine + 1) {
            return TOO_LONG;
        }
        append(data, n);
        if (lf == end) {
            return MORE;
        }
        data.get(); // the LF
        int complete = length;
        length = 0;
        if (complete > 0 && line[complete - 1] == '\r') {
            complete--;
        }
        return complete > maxLine ? TOO_LONG : complete;
    }

    /** The bytes of the line {@link #next} completed last, from index 0. */
    byte[] line() {
        return line;
    }

    /** Whether part of a line is waiting for its LF. */
    boolean inLine() {
        return length > 0;
    }

    /** Between lines, lets go of a buffer that one long line made large. */
    void trim() {
        if (length == 0 && line != null && line.length > KEEP_BUFFER) {
            line = null;
        }
    }

    private void append(ByteBuffer data, int n) {
        if (n == 0) {
            return;
        }
        int needed = length + n;
        if (line == null || line.length < needed) {
            int size = Math.max(needed, line == null ? 128 : Math.min(line.length * 2, maxLine + 2));
            line = line == null ? new byte[size] : Arrays.copyOf(line, size);
        }
        data.get(line, length, n);
        length = needed;
    }
}
