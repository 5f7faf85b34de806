package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import static dev.ranch.http.internal.h2.FrameType.*;

/**
 * Writes frames for one connection into its loop's shared output buffer ({@link
 * LoopOutput}), which goes to the socket with one {@link Connection#write} when full and at
 * the end of every callback ({@link #flush()}). The server never writes a frame larger than
 * {@link FrameType#DEFAULT_MAX_FRAME}, so every frame fits the buffer whole.
 *
 * <p>Loop thread; one per connection.
 */
final class FrameWriter {

    private final Connection connection;

    FrameWriter(Connection connection) {
        this.connection = connection;
    }

    /** The buffer, owned by this connection, with room for {@code bytes} more. */
    private ByteBuffer room(int bytes) {
        return LoopOutput.get().room(connection, bytes);
    }

    /** Writes what this loop gathered, for this connection or another of the loop. */
    void flush() {
        LoopOutput.get().flush();
    }

    private static void header(ByteBuffer out, int length, int type, int flags, int streamId) {
        out.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length)
                .put((byte) type).put((byte) flags).putInt(streamId);
    }

    /** A SETTINGS frame of {@code idsAndValues} pairs (§6.5). */
    void settings(int... idsAndValues) {
        int n = idsAndValues.length / 2;
        ByteBuffer out = room(HEADER_LENGTH + 6 * n);
        header(out, 6 * n, SETTINGS, 0, 0);
        for (int i = 0; i < n; i++) {
            out.putShort((short) idsAndValues[2 * i]).putInt(idsAndValues[2 * i + 1]);
        }
    }

    void settingsAck() {
        header(room(HEADER_LENGTH), 0, SETTINGS, FLAG_ACK, 0);
    }

    void ping(boolean ack, long data) {
        ByteBuffer out = room(HEADER_LENGTH + 8);
        header(out, 8, PING, ack ? FLAG_ACK : 0, 0);
        out.putLong(data);
    }

    void goAway(int lastStreamId, int code, String debug) {
        byte[] text = debug == null ? new byte[0]
                : debug.substring(0, Math.min(debug.length(), 256)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuffer out = room(HEADER_LENGTH + 8 + text.length);
        header(out, 8 + text.length, GOAWAY, 0, 0);
        out.putInt(lastStreamId).putInt(code).put(text);
    }

    void rstStream(int streamId, int code) {
        ByteBuffer out = room(HEADER_LENGTH + 4);
        header(out, 4, RST_STREAM, 0, streamId);
        out.putInt(code);
    }

    void windowUpdate(int streamId, int increment) {
        ByteBuffer out = room(HEADER_LENGTH + 4);
        header(out, 4, WINDOW_UPDATE, 0, streamId);
        out.putInt(increment);
    }

    /**
     * A header block as one HEADERS frame and as many CONTINUATION frames as it needs
     * (§6.2, §6.10), back to back so nothing comes between them.
     */
    void headers(int streamId, byte[] block, int length, boolean endStream) {
        int offset = 0;
        boolean first = true;
        do {
            int n = Math.min(length - offset, DEFAULT_MAX_FRAME);
            boolean last = offset + n == length;
            int flags = (last ? FLAG_END_HEADERS : 0) | (first && endStream ? FLAG_END_STREAM : 0);
            ByteBuffer out = room(HEADER_LENGTH + n);
            header(out, n, first ? HEADERS : CONTINUATION, flags, streamId);
            out.put(block, offset, n);
            offset += n;
            first = false;
        } while (offset < length);
    }

    /** One DATA frame of {@code length} bytes of {@code data} (at most {@link FrameType#DEFAULT_MAX_FRAME}). */
    void data(int streamId, byte[] data, int offset, int length, boolean endStream) {
        ByteBuffer out = room(HEADER_LENGTH + length);
        header(out, length, DATA, endStream ? FLAG_END_STREAM : 0, streamId);
        out.put(data, offset, length);
    }

    /**
     * One DATA frame of {@code length} bytes of {@code file} from {@code position}, read
     * straight into the output buffer.
     *
     * @throws IOException when the file cannot be read or is shorter than announced
     */
    void data(int streamId, FileChannel file, long position, int length, boolean endStream) throws IOException {
        ByteBuffer out = room(HEADER_LENGTH + length);
        header(out, length, DATA, endStream ? FLAG_END_STREAM : 0, streamId);
        int limit = out.limit();
        out.limit(out.position() + length);
        try {
            long at = position;
            while (out.hasRemaining()) {
                int read = file.read(out, at);
                if (read < 0) {
                    throw new IOException("file ended " + out.remaining() + " bytes early");
                }
                at += read;
            }
        } finally {
            out.limit(limit);
        }
    }
}
