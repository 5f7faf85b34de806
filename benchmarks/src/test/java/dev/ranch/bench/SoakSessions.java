package dev.ranch.bench;

import dev.ranch.bench.server.Hello;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * One session of each protocol the {@link SoakServer} speaks, as a plain blocking client that
 * checks every answer: a session opens its own connection(s), does a bounded amount of work,
 * closes, and returns how many requests or messages went through. Any wrong, missing or late
 * answer throws, which fails the soak. Thread-safe: the soak runs sessions on several threads.
 */
final class SoakSessions {

    /** How long any read waits; far beyond a loaded loopback's latency. */
    static final int READ_TIMEOUT_MILLIS = 15_000;

    private static final AtomicLong ROOMS = new AtomicLong();

    private final int httpPort;
    private final int httpsPort;
    private final int chatPort;
    private final SSLContext tls;

    SoakSessions(int httpPort, int httpsPort, int chatPort, SSLContext tls) {
        this.httpPort = httpPort;
        this.httpsPort = httpsPort;
        this.chatPort = chatPort;
        this.tls = tls;
    }

    /** The kinds of session, each with its own count in the report. */
    enum Kind {
        HTTP_KEEP_ALIVE, HTTP_CLOSE, WEBSOCKET, CHAT, HTTPS
    }

    /** Runs one session of {@code kind} and returns the requests or messages it exchanged. */
    int run(Kind kind) throws IOException {
        return switch (kind) {
            case HTTP_KEEP_ALIVE -> httpKeepAlive(40);
            case HTTP_CLOSE -> httpClose();
            case WEBSOCKET -> webSocketEcho(20);
            case CHAT -> chat(20);
            case HTTPS -> https(20);
        };
    }

    /** {@code requests} on one connection, alternating hello GETs and {@code POST /echo} of random bodies. */
    int httpKeepAlive(int requests) throws IOException {
        try (Socket socket = connect(httpPort)) {
            exchangeRequests(socket, requests);
        }
        return requests;
    }

    /** One GET with {@code Connection: close}; the server answers and closes. */
    int httpClose() throws IOException {
        try (Socket socket = connect(httpPort)) {
            write(socket.getOutputStream(), "GET /hello HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n");
            InputStream in = new BufferedInputStream(socket.getInputStream());
            expectBody(in, Hello.BODY);
            if (in.read() != -1) {
                throw new IOException("bytes after the response to a Connection: close request");
            }
        }
        return 1;
    }

    /** A TLS handshake, then {@code requests} as {@link #httpKeepAlive(int)} does. */
    int https(int requests) throws IOException {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket()) {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpsPort), READ_TIMEOUT_MILLIS);
            socket.startHandshake();
            exchangeRequests(socket, requests);
        }
        return requests;
    }

    private static void exchangeRequests(Socket socket, int requests) throws IOException {
        OutputStream out = socket.getOutputStream();
        InputStream in = new BufferedInputStream(socket.getInputStream());
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < requests; i++) {
            if (i % 2 == 0) {
                write(out, "GET /hello HTTP/1.1\r\nHost: soak\r\n\r\n");
                expectBody(in, Hello.BODY);
            } else {
                byte[] body = new byte[random.nextInt(1, 8192)];
                random.nextBytes(body);
                write(out, "POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Type: application/octet-stream\r\n"
                        + "Content-Length: " + body.length + "\r\n\r\n");
                out.write(body);
                out.flush();
                expectBody(in, body);
            }
        }
    }

    /** Upgrades {@code /ws}, echoes {@code messages} text messages of random length, closes with 1000. */
    int webSocketEcho(int messages) throws IOException {
        try (Socket socket = connect(httpPort)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            byte[] nonce = new byte[16];
            ThreadLocalRandom random = ThreadLocalRandom.current();
            random.nextBytes(nonce);
            String key = Base64.getEncoder().encodeToString(nonce);
            write(out, "GET /ws HTTP/1.1\r\nHost: soak\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: " + key + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
            String status = readLine(in);
            String accept = null;
            for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
                if (header.toLowerCase(Locale.ROOT).startsWith("sec-websocket-accept:")) {
                    accept = header.substring(header.indexOf(':') + 1).trim();
                }
            }
            if (!status.startsWith("HTTP/1.1 101 ") || !acceptFor(key).equals(accept)) {
                throw new IOException("WebSocket upgrade refused: " + status + ", accept " + accept);
            }
            for (int i = 0; i < messages; i++) {
                byte[] text = new byte[random.nextInt(1, 2048)];
                for (int j = 0; j < text.length; j++) {
                    text[j] = (byte) random.nextInt('a', 'z' + 1);
                }
                out.write(maskedFrame(0x1, text));
                out.flush();
                expectFrame(in, 0x1, text);
            }
            byte[] normalClosure = {0x03, (byte) 0xE8};
            out.write(maskedFrame(0x8, normalClosure));
            out.flush();
            expectFrame(in, 0x8, normalClosure);
            expectEnd(in, "the server's WebSocket close");
        }
        return messages;
    }

    /**
     * Two members join a room no one else uses (a new room each session, as real users make
     * them), one sends {@code lines} lines, the other reads each; both QUIT.
     */
    int chat(int lines) throws IOException {
        String room = "soak-" + ROOMS.incrementAndGet();
        try (Socket sender = connect(chatPort); Socket receiver = connect(chatPort)) {
            InputStream fromSender = new BufferedInputStream(sender.getInputStream());
            InputStream fromReceiver = new BufferedInputStream(receiver.getInputStream());
            join(receiver, fromReceiver, room);
            join(sender, fromSender, room);
            for (int i = 0; i < lines; i++) {
                String line = "line " + i + " in " + room;
                write(sender.getOutputStream(), line + "\n");
                expectLine(fromReceiver, line);
            }
            for (Socket member : new Socket[] {sender, receiver}) {
                write(member.getOutputStream(), "QUIT\n");
            }
            expectLine(fromSender, "BYE");
            expectLine(fromReceiver, "BYE");
            expectEnd(fromSender, "the chat's close after BYE");
            expectEnd(fromReceiver, "the chat's close after BYE");
        }
        return lines;
    }

    private static void join(Socket member, InputStream in, String room) throws IOException {
        write(member.getOutputStream(), "JOIN " + room + "\n");
        expectLine(in, "OK joined " + room);
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        try {
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), READ_TIMEOUT_MILLIS);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static void write(OutputStream out, String ascii) throws IOException {
        out.write(ascii.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** Reads one response: a 200 with a Content-Length body equal to {@code expected}. */
    private static void expectBody(InputStream in, byte[] expected) throws IOException {
        String status = readLine(in);
        int length = -1;
        for (String header = readLine(in); !header.isEmpty(); header = readLine(in)) {
            if (header.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(header.substring("content-length:".length()).trim());
            }
        }
        if (!status.startsWith("HTTP/1.1 200 ") || length < 0) {
            throw new IOException("expected a 200 with Content-Length, got " + status + " (length " + length + ")");
        }
        byte[] body = in.readNBytes(length);
        if (!Arrays.equals(expected, body)) {
            throw new IOException("wrong body: " + body.length + " bytes, expected " + expected.length);
        }
    }

    private static void expectLine(InputStream in, String expected) throws IOException {
        String line = readLine(in);
        if (!line.equals(expected)) {
            throw new IOException("expected line '" + expected + "', got '" + line + "'");
        }
    }

    private static void expectEnd(InputStream in, String what) throws IOException {
        if (in.read() != -1) {
            throw new IOException("expected the connection to end after " + what);
        }
    }

    /** A line without its LF (and CR); throws at end of stream. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the server closed inside a line: '" + line + "'");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    /** A client frame (RFC 6455 section 5.3: clients mask), final, of {@code opcode}. */
    private static byte[] maskedFrame(int opcode, byte[] payload) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        return frame.toByteArray();
    }

    /** Reads one unmasked server frame and checks that it is final, of {@code opcode}, carrying {@code expected}. */
    private static void expectFrame(InputStream in, int opcode, byte[] expected) throws IOException {
        int first = in.read();
        int second = in.read();
        if (first < 0 || second < 0) {
            throw new IOException("the server closed instead of sending a frame");
        }
        long length = second & 0x7F;
        if (length == 126) {
            length = (in.read() << 8) | in.read();
        } else if (length == 127) {
            length = 0;
            for (int i = 0; i < 8; i++) {
                length = (length << 8) | in.read();
            }
        }
        byte[] payload = in.readNBytes((int) length);
        if (first != (0x80 | opcode) || (second & 0x80) != 0 || !Arrays.equals(expected, payload)) {
            throw new IOException("unexpected frame: first byte " + Integer.toHexString(first) + ", "
                    + payload.length + " bytes, expected opcode " + opcode + " with " + expected.length);
        }
    }

    /** RFC 6455 section 4.2.2: base64 of the SHA-1 of the key and the protocol's GUID. */
    private static String acceptFor(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }
}
