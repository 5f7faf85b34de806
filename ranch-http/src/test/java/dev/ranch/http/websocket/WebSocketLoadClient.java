package dev.ranch.http.websocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many raw WebSocket clients driven by one selector thread, so a thousand of them cost one thread. Each one
 * upgrades, sends {@code rounds} small masked text messages one at a time and checks every echo, then closes with
 * 1000 and waits for the server's close frame and for the server to drop the TCP connection (RFC 6455 §7.1.1).
 * Anything else (wrong accept key, masked server frame, wrong echo, wrong close code) is a failure of that client.
 */
final class WebSocketLoadClient implements AutoCloseable {

    private static final byte[] CLOSE_1000 = {0x03, (byte) 0xE8};

    private final Selector selector;
    private final List<Peer> peers = new ArrayList<>();
    private final Thread thread;
    private final AtomicInteger upgraded = new AtomicInteger();
    private final AtomicInteger echoes = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private volatile boolean stopping;

    private WebSocketLoadClient(InetSocketAddress server, String path, int clients, int rounds) throws IOException {
        selector = Selector.open();
        for (int id = 0; id < clients; id++) {
            SocketChannel channel = SocketChannel.open();
            channel.configureBlocking(false);
            Peer peer = new Peer(id, channel, path, server, rounds);
            peers.add(peer);
            if (channel.connect(server)) {
                peer.connected(channel.register(selector, SelectionKey.OP_READ, peer));
            } else {
                channel.register(selector, SelectionKey.OP_CONNECT, peer);
            }
        }
        thread = new Thread(this::run, "ws-load-client");
        thread.start();
    }

    /** Connects {@code clients} sockets at once and starts driving them; returns without waiting. */
    static WebSocketLoadClient start(InetSocketAddress server, String path, int clients, int rounds)
            throws IOException {
        return new WebSocketLoadClient(server, path, clients, rounds);
    }

    /** Clients whose upgrade was answered 101 with the right accept key; any thread. */
    int upgraded() { return upgraded.get(); }

    /** Echoes received and found equal to what was sent, over all clients; any thread. */
    int echoes() { return echoes.get(); }

    /** Clients that got every echo, a 1000 close back and then the server's TCP close; any thread. */
    int finished() { return finished.get(); }

    /** One line per client that went wrong, naming it and why; any thread. */
    List<String> failures() { return List.copyOf(failures); }

    private void run() {
        while (!stopping) {
            try {
                selector.select(100);
            } catch (IOException e) {
                failures.add("selector: " + e);
                return;
            }
            for (SelectionKey key : selector.selectedKeys()) {
                Peer peer = (Peer) key.attachment();
                try {
                    if (key.isValid() && key.isConnectable() && peer.channel.finishConnect()) {
                        peer.connected(key);
                    }
                    if (key.isValid() && key.isWritable()) {
                        peer.flush();
                    }
                    if (key.isValid() && key.isReadable()) {
                        peer.read();
                    }
                } catch (IOException | RuntimeException e) {
                    peer.fail(e.toString());
                }
            }
            selector.selectedKeys().clear();
        }
    }

    /** Stops the selector thread and closes every socket still open. */
    @Override
    public void close() throws IOException {
        stopping = true;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Peer peer : peers) {
            peer.channel.close();
        }
        selector.close();
    }

    private enum Stage { HANDSHAKE, ECHOING, CLOSING, AWAITING_EOF, DONE }

    private final class Peer {
        final int id;
        final SocketChannel channel;
        final int rounds;
        final String key = Base64.getEncoder().encodeToString(randomBytes(16));
        final ByteBuffer in = ByteBuffer.allocate(4096);
        ByteBuffer out = ByteBuffer.allocate(0);
        SelectionKey selectionKey;
        Stage stage = Stage.HANDSHAKE;
        int round;
        final String request;

        Peer(int id, SocketChannel channel, String path, InetSocketAddress server, int rounds) {
            this.id = id;
            this.channel = channel;
            this.rounds = rounds;
            this.request = "GET " + path + " HTTP/1.1\r\nHost: " + server.getHostString() + ":" + server.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
        }

        void connected(SelectionKey selected) throws IOException {
            selectionKey = selected;
            selected.interestOps(SelectionKey.OP_READ);
            send(ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII)));
        }

        String message() {
            return "client " + id + " round " + round + " \u00e9cho";
        }

        void send(ByteBuffer bytes) throws IOException {
            ByteBuffer joined = ByteBuffer.allocate(out.remaining() + bytes.remaining());
            out = joined.put(out).put(bytes).flip();
            flush();
        }

        void flush() throws IOException {
            channel.write(out);
            selectionKey.interestOps(out.hasRemaining()
                    ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }

        void read() throws IOException {
            int n = channel.read(in);
            if (n < 0) {
                if (stage == Stage.AWAITING_EOF) {
                    stage = Stage.DONE;
                    finished.incrementAndGet();
                    channel.close();
                } else {
                    fail("connection closed by the server in stage " + stage);
                }
                return;
            }
            in.flip();
            if (stage == Stage.HANDSHAKE) {
                readHandshake();
            }
            while (stage != Stage.HANDSHAKE && stage != Stage.DONE && readFrame()) {
                // one whole frame handled per turn
            }
            in.compact();
        }

        private void readHandshake() throws IOException {
            String head = StandardCharsets.ISO_8859_1.decode(in.duplicate()).toString();
            int end = head.indexOf("\r\n\r\n");
            if (end < 0) {
                return;
            }
            in.position(in.position() + end + 4);
            String expected = "Sec-WebSocket-Accept: " + acceptFor(key);
            boolean accepted = head.substring(0, end).lines().anyMatch(expected::equalsIgnoreCase);
            if (!head.startsWith("HTTP/1.1 101 ") || !accepted) {
                throw new IllegalStateException("bad upgrade response: " + head.substring(0, end));
            }
            upgraded.incrementAndGet();
            stage = Stage.ECHOING;
            send(frame(0x1, message().getBytes(StandardCharsets.UTF_8)));
        }

        /** Consumes one whole frame if {@link #in} holds one. */
        private boolean readFrame() throws IOException {
            if (in.remaining() < 2) {
                return false;
            }
            int start = in.position();
            int first = in.get() & 0xFF;
            int second = in.get() & 0xFF;
            if ((second & 0x80) != 0) {
                throw new IllegalStateException("the server masked a frame"); // RFC 6455 §5.1
            }
            int length = second & 0x7F;
            if (length == 126) {
                if (in.remaining() < 2) {
                    in.position(start);
                    return false;
                }
                length = in.getShort() & 0xFFFF;
            } else if (length == 127) {
                throw new IllegalStateException("unexpected 64-bit length for a small message");
            }
            if (in.remaining() < length) {
                in.position(start);
                return false;
            }
            byte[] payload = new byte[length];
            in.get(payload);
            handle(first, payload);
            return true;
        }

        private void handle(int first, byte[] payload) throws IOException {
            if (stage == Stage.ECHOING && first == 0x81) {
                String echo = new String(payload, StandardCharsets.UTF_8);
                if (!echo.equals(message())) {
                    throw new IllegalStateException("echo '" + echo + "' for '" + message() + "'");
                }
                echoes.incrementAndGet();
                if (++round < rounds) {
                    send(frame(0x1, message().getBytes(StandardCharsets.UTF_8)));
                } else {
                    stage = Stage.CLOSING;
                    send(frame(0x8, CLOSE_1000));
                }
            } else if (stage == Stage.CLOSING && first == 0x88) {
                if (payload.length < 2 || payload[0] != CLOSE_1000[0] || payload[1] != CLOSE_1000[1]) {
                    String code = payload.length < 2 ? "none"
                            : String.valueOf((payload[0] & 0xFF) << 8 | payload[1] & 0xFF);
                    throw new IllegalStateException("close answered with " + payload.length + " bytes, code " + code);
                }
                stage = Stage.AWAITING_EOF;
            } else {
                throw new IllegalStateException("unexpected frame 0x" + Integer.toHexString(first) + " with "
                        + payload.length + " bytes in stage " + stage);
            }
        }

        void fail(String why) {
            if (stage == Stage.DONE) {
                return;
            }
            stage = Stage.DONE;
            failures.add("client " + id + ": " + why);
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failed; the close error adds nothing
            }
        }
    }

    /** A final, masked client frame (RFC 6455 §5.2, §5.3) with a payload under 126 bytes. */
    static ByteBuffer frame(int opcode, byte[] payload) {
        byte[] mask = randomBytes(4);
        ByteBuffer frame = ByteBuffer.allocate(6 + payload.length);
        frame.put((byte) (0x80 | opcode)).put((byte) (0x80 | payload.length)).put(mask);
        for (int i = 0; i < payload.length; i++) {
            frame.put((byte) (payload[i] ^ mask[i & 3]));
        }
        return frame.flip();
    }

    /** The {@code Sec-WebSocket-Accept} value a server must answer to {@code key} (RFC 6455 §4.2.2). */
    static String acceptFor(String key) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            byte[] digest = sha1.digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                    .getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
