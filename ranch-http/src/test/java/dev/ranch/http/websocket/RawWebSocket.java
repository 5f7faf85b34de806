package dev.ranch.http.websocket;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A blocking loopback WebSocket client that builds every frame by hand (masking included), so
 * tests can send what no real client would. Every read is bounded by a socket timeout, so a
 * test fails instead of hanging.
 */
final class RawWebSocket implements AutoCloseable {

    /** A frame as read from the server. */
    static final class Frame {
        final boolean fin;
        final int rsv;
        final int opcode;
        final boolean masked;
        final byte[] payload;

        Frame(boolean fin, int rsv, int opcode, boolean masked, byte[] payload) {
            this.fin = fin;
            this.rsv = rsv;
            this.opcode = opcode;
            this.masked = masked;
            this.payload = payload;
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame, or -1 for an empty one. */
        int closeCode() {
            return payload.length < 2 ? -1 : ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
        }

        @Override
        public String toString() {
            return "frame op=" + opcode + " fin=" + fin + " rsv=" + rsv + " len=" + payload.length;
        }
    }

    /** The handshake's answer: status and header fields (names in lower case). */
    static final class Answer {
        final String statusLine;
        final int status;
        final Map<String, String> headers;
        final String body;

        Answer(String statusLine, int status, Map<String, String> headers, String body) {
            this.statusLine = statusLine;
            this.status = status;
            this.headers = headers;
            this.body = body;
        }
    }

    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        socket.setTcpNoDelay(true);
        this.in = new DataInputStream(new java.io.BufferedInputStream(socket.getInputStream()));
        this.out = socket.getOutputStream();
    }

    static RawWebSocket connect(int port) {
        try {
            Socket socket = new Socket();
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
            return new RawWebSocket(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Connects and upgrades {@code path} with a valid handshake plus {@code extra} header lines; expects 101. */
    static RawWebSocket open(int port, String path, String... extra) {
        RawWebSocket ws = connect(port);
        Answer answer = ws.handshake(path, extra);
        if (answer.status != 101) {
            ws.close();
            throw new AssertionError("upgrade refused with " + answer.status + ": " + answer.body);
        }
        return ws;
    }

    /** The request head of a valid upgrade of {@code path}, with {@code extra} header lines. */
    static String upgradeRequest(String path, String... extra) {
        StringBuilder b = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + KEY + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n");
        for (String line : extra) {
            b.append(line).append("\r\n");
        }
        return b.append("\r\n").toString();
    }

    Answer handshake(String path, String... extra) {
        send(upgradeRequest(path, extra).getBytes(StandardCharsets.ISO_8859_1));
        return readAnswer();
    }

    /** Reads one HTTP response head (and its Content-Length body). */
    Answer readAnswer() {
        try {
            String statusLine = line();
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String l = line(); !l.isEmpty(); l = line()) {
                int colon = l.indexOf(':');
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
            String body = "";
            if (headers.containsKey("content-length")) {
                byte[] b = new byte[Integer.parseInt(headers.get("content-length"))];
                in.readFully(b);
                body = new String(b, StandardCharsets.UTF_8);
            }
            return new Answer(statusLine, status, headers, body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("connection closed inside a response head");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    RawWebSocket send(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A masked frame: first byte as given (FIN, RSV, opcode), a fresh random mask. */
    static byte[] frame(int firstByte, byte[] payload) {
        return frame(firstByte, payload, true);
    }

    /** A frame, masked or not. */
    static byte[] frame(int firstByte, byte[] payload, boolean masked) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(firstByte);
        int maskBit = masked ? 0x80 : 0;
        int n = payload.length;
        if (n < 126) {
            b.write(maskBit | n);
        } else if (n <= 0xFFFF) {
            b.write(maskBit | 126);
            b.write(n >> 8);
            b.write(n);
        } else {
            b.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                b.write((int) ((long) n >> shift));
            }
        }
        byte[] mask = new byte[4];
        if (masked) {
            ThreadLocalRandom.current().nextBytes(mask);
            b.write(mask, 0, 4);
        }
        for (int i = 0; i < n; i++) {
            b.write(payload[i] ^ mask[i & 3]);
        }
        return b.toByteArray();
    }

    RawWebSocket sendFrame(int firstByte, byte[] payload) {
        return send(frame(firstByte, payload));
    }

    RawWebSocket sendText(String text) {
        return sendFrame(0x81, text.getBytes(StandardCharsets.UTF_8));
    }

    RawWebSocket sendClose(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return sendFrame(0x88, p);
    }

    /** Reads one frame; throws {@link EOFException} (unchecked) when the server closed the connection. */
    Frame read() {
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long n = b1 & 0x7F;
            if (n == 126) {
                n = in.readUnsignedShort();
            } else if (n == 127) {
                n = in.readLong();
            }
            byte[] mask = null;
            if ((b1 & 0x80) != 0) {
                mask = new byte[4];
                in.readFully(mask);
            }
            byte[] payload = new byte[(int) n];
            in.readFully(payload);
            return new Frame((b0 & 0x80) != 0, (b0 >> 4) & 7, b0 & 0x0F, mask != null, payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads frames until a close frame and returns it, failing on anything but data, pings and pongs before it. */
    Frame readClose() {
        while (true) {
            Frame f = read();
            if (f.opcode == 0x8) {
                return f;
            }
        }
    }

    /** Whether the server closed the TCP connection: the next read is the end of the stream. */
    boolean serverClosed() {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;  // a reset is a close too
        }
    }

    void setTimeout(int millis) {
        try {
            socket.setSoTimeout(millis);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Socket socket() {
        return socket;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing is best effort in tests.
        }
    }
}
