package dev.ranch.http.internal.h2;

import dev.ranch.core.test.TestClient;
import dev.ranch.http.internal.h2.hpack.HeaderBlock;
import dev.ranch.http.internal.h2.hpack.HpackDecoder;
import dev.ranch.http.internal.h2.hpack.HpackEncoder;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static dev.ranch.http.internal.h2.FrameType.*;

/**
 * A raw HTTP/2 client for tests: writes any frame, well formed or hostile, over a real
 * loopback socket ({@link TestClient}), and reads the server's frames one by one, decoding
 * header blocks with the project's HPACK decoder. Blocking, one thread.
 */
final class FrameClient implements AutoCloseable {

    /** One frame as read. */
    static final class Frame {
        final int type;
        final int flags;
        final int stream;
        final byte[] payload;
        /** The decoded fields of a HEADERS frame (every block is decoded, to keep the table in step). */
        Map<String, String> fields;

        Frame(int type, int flags, int stream, byte[] payload) {
            this.type = type;
            this.flags = flags;
            this.stream = stream;
            this.payload = payload;
        }

        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** The error code of a RST_STREAM or GOAWAY. */
        int errorCode() {
            return ByteBuffer.wrap(payload).getInt(type == GOAWAY ? 4 : 0);
        }

        /** The last stream id of a GOAWAY. */
        int lastStreamId() {
            return ByteBuffer.wrap(payload).getInt(0) & 0x7fff_ffff;
        }

        @Override
        public String toString() {
            return "frame type " + type + " flags " + flags + " stream " + stream + " length " + payload.length;
        }
    }

    /** A response as read: its header fields (the last block: a final one after any 1xx) and body. */
    static final class Response {
        final Map<String, String> headers = new LinkedHashMap<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final List<Integer> interim = new ArrayList<>();
        Integer resetCode;

        int status() {
            return Integer.parseInt(headers.get(":status"));
        }

        String bodyText() {
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    private final TestClient socket;
    private final HpackEncoder encoder = new HpackEncoder(false);
    private final HpackDecoder decoder = new HpackDecoder(4096, 1 << 20);
    private final HeaderBlock block = new HeaderBlock();
    /** Whether DATA read is acknowledged at once with WINDOW_UPDATE on the stream and connection. */
    boolean autoWindow = true;

    private FrameClient(TestClient socket) {
        this.socket = socket;
    }

    /** Connects, sends the preface and a SETTINGS frame of {@code settings} pairs. */
    static FrameClient connect(int port, int... settings) {
        FrameClient c = new FrameClient(TestClient.connect(port));
        c.socket.write(Http2Connection.PREFACE);
        c.settings(settings);
        return c;
    }

    /** Connects and completes the SETTINGS exchange both ways. */
    static FrameClient handshake(int port, int... settings) {
        FrameClient c = connect(port, settings);
        c.expect(f -> f.type == SETTINGS && !f.has(FLAG_ACK));
        c.settingsAck();
        c.expect(f -> f.type == SETTINGS && f.has(FLAG_ACK));
        return c;
    }

    TestClient socket() {
        return socket;
    }

    // ---- writing ----

    FrameClient frame(int type, int flags, int stream, byte[] payload) {
        socket.write(bytes(type, flags, stream, payload));
        return this;
    }

    static byte[] bytes(int type, int flags, int stream, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + payload.length);
        b.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length)
                .put((byte) type).put((byte) flags).putInt(stream).put(payload);
        return b.array();
    }

    FrameClient settings(int... pairs) {
        ByteBuffer p = ByteBuffer.allocate(3 * pairs.length);
        for (int i = 0; i < pairs.length; i += 2) {
            p.putShort((short) pairs[i]).putInt(pairs[i + 1]);
        }
        return frame(SETTINGS, 0, 0, p.array());
    }

    FrameClient settingsAck() {
        return frame(SETTINGS, FLAG_ACK, 0, new byte[0]);
    }

    FrameClient ping(long data) {
        return frame(PING, 0, 0, ByteBuffer.allocate(8).putLong(data).array());
    }

    FrameClient rst(int stream, int code) {
        return frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
    }

    FrameClient windowUpdate(int stream, int increment) {
        return frame(WINDOW_UPDATE, 0, stream, ByteBuffer.allocate(4).putInt(increment).array());
    }

    FrameClient data(int stream, byte[] data, boolean end) {
        return frame(DATA, end ? FLAG_END_STREAM : 0, stream, data);
    }

    /** A header block of {@code fields} (name, value, ...), HPACK-encoded without Huffman. */
    byte[] encode(String... fields) {
        block.reset();
        for (int i = 0; i < fields.length; i += 2) {
            encoder.encode(fields[i], fields[i + 1], false, block);
        }
        return java.util.Arrays.copyOf(block.array(), block.length());
    }

    /** HEADERS with END_HEADERS carrying {@code fields}. */
    FrameClient headers(int stream, boolean endStream, String... fields) {
        return frame(HEADERS, FLAG_END_HEADERS | (endStream ? FLAG_END_STREAM : 0), stream, encode(fields));
    }

    /** A request: the four pseudo-header fields, then {@code extra} fields. */
    FrameClient request(int stream, String method, String path, boolean endStream, String... extra) {
        String[] fields = new String[8 + extra.length];
        String[] pseudo = {":method", method, ":scheme", "http", ":path", path, ":authority", "localhost"};
        System.arraycopy(pseudo, 0, fields, 0, 8);
        System.arraycopy(extra, 0, fields, 8, extra.length);
        return headers(stream, endStream, fields);
    }

    FrameClient get(int stream, String path) {
        return request(stream, "GET", path, true);
    }

    // ---- reading ----

    /** The next frame, failing after {@link TestClient#READ_TIMEOUT}; null when the server closed. */
    Frame next() {
        byte[] head;
        try {
            head = readOrEnd(HEADER_LENGTH);
        } catch (UncheckedIOException e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                throw new AssertionError("no frame within " + TestClient.READ_TIMEOUT, e);
            }
            return null;  // reset by the server
        }
        if (head == null) {
            return null;
        }
        int length = (head[0] & 0xff) << 16 | (head[1] & 0xff) << 8 | (head[2] & 0xff);
        int stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fff_ffff;
        byte[] payload = length == 0 ? new byte[0] : socket.readExactly(length);
        Frame frame = new Frame(head[3] & 0xff, head[4] & 0xff, stream, payload);
        if (frame.type == HEADERS) {
            frame.fields = decode(payload);
        }
        return frame;
    }

    private byte[] readOrEnd(int n) {
        byte[] first = new byte[1];
        try {
            int r = socket.socket().getInputStream().read(first);
            if (r < 0) {
                return null;
            }
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] rest = socket.readExactly(n - 1);
        byte[] all = new byte[n];
        all[0] = first[0];
        System.arraycopy(rest, 0, all, 1, n - 1);
        return all;
    }

    /** Reads until a frame matches, answering nothing; fails if the server closes first. */
    Frame expect(Predicate<Frame> wanted) {
        while (true) {
            Frame f = next();
            if (f == null) {
                throw new AssertionError("the server closed before the frame expected");
            }
            if (wanted.test(f)) {
                return f;
            }
        }
    }

    /** Reads until a GOAWAY; null if the server closed without one. */
    Frame goAway() {
        while (true) {
            Frame f = next();
            if (f == null || f.type == GOAWAY) {
                return f;
            }
        }
    }

    /** Reads until the server closes the connection; true if it did within the timeout. */
    boolean closedByServer() {
        while (true) {
            try {
                if (next() == null) {
                    return true;
                }
            } catch (AssertionError e) {
                return false;
            }
        }
    }

    /**
     * Frames of other streams read while {@link #response} waited for one: the server may
     * answer concurrent streams in any order, and the next {@code response} call takes them.
     */
    private final List<Frame> otherStreams = new ArrayList<>();

    /** The next frame of {@code stream}, kept or read; frames of other streams are kept, stream 0's dropped. */
    private Frame nextOf(int stream) {
        for (int i = 0; i < otherStreams.size(); i++) {
            if (otherStreams.get(i).stream == stream) {
                return otherStreams.remove(i);
            }
        }
        while (true) {
            Frame f = next();
            if (f == null || f.stream == stream) {
                return f;
            }
            if (f.stream != 0) {
                otherStreams.add(f);
            }
        }
    }

    /** Reads frames until {@code stream} ends (END_STREAM or RST_STREAM), collecting its response. */
    Response response(int stream) {
        Response r = new Response();
        while (true) {
            Frame f = nextOf(stream);
            if (f == null) {
                throw new AssertionError("the server closed before stream " + stream + " ended");
            }
            if (f.type == RST_STREAM) {
                r.resetCode = f.errorCode();
                return r;
            }
            if (f.type == HEADERS) {
                Map<String, String> fields = f.fields;
                int status = Integer.parseInt(fields.getOrDefault(":status", "0"));
                if (status >= 100 && status < 200) {
                    r.interim.add(status);
                } else if (r.headers.isEmpty()) {
                    r.headers.putAll(fields);
                }
            } else if (f.type == DATA) {
                r.body.write(f.payload, 0, f.payload.length);
                if (autoWindow && f.payload.length > 0) {
                    windowUpdate(0, f.payload.length);
                    if (!f.has(FLAG_END_STREAM)) {
                        windowUpdate(stream, f.payload.length);
                    }
                }
            }
            if ((f.type == HEADERS || f.type == DATA) && f.has(FLAG_END_STREAM)) {
                return r;
            }
        }
    }

    private Map<String, String> decode(byte[] payload) {
        Map<String, String> fields = new LinkedHashMap<>();
        try {
            decoder.decode(ByteBuffer.wrap(payload), (name, value) -> fields.put(name, value));
        } catch (Exception e) {
            throw new AssertionError("cannot decode the server's header block", e);
        }
        return fields;
    }

    @Override
    public void close() {
        socket.close();
    }
}
