package dev.ranch.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The WebSocket echo load client: {@code connections} sockets upgraded to WebSocket at
 * {@code path}, each with {@code depth} text messages of {@code size} ASCII bytes in flight:
 * a connection writes its {@code depth} frames in one write and the next batch once every
 * echo of the last one is back whole (depth 1: one message at a time). One thread drives
 * every socket and the loop allocates nothing (see {@link SelectorLoadClient}).
 *
 * <p>The frames are written by hand: the client frame (FIN, text, masked, RFC 6455 §5.2) is
 * built and masked once per connection at connect time, with a mask key chosen then and
 * reused for every send. The RFC wants a fresh unpredictable key per frame (§5.3) to protect
 * intermediaries; on loopback there are none, and a server cannot tell. Server frames are
 * read by a small state machine per connection that accepts only unmasked, final text frames
 * of exactly {@code size} bytes: anything else (a close, a ping, a fragment) fails the run.
 */
public final class WebSocketEchoClient extends SelectorLoadClient<WebSocketEchoClient.WebSocketPeer> {

    /** RFC 6455 §1.3: the GUID the server hashes with the key. */
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private final int depth;

    /**
     * Connects {@code connections} sockets to {@code address}, upgrades each with
     * {@code GET path}, and puts {@code depth} text messages of {@code size} bytes (1 to
     * 65,535) in flight on each.
     *
     * @throws IOException when a connection fails or the server refuses the upgrade
     */
    public WebSocketEchoClient(InetSocketAddress address, String path, int connections, int depth, int size)
            throws IOException {
        super(address, check(connections, depth, size), channel -> {
            try {
                upgrade(channel, address, path);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new WebSocketPeer(channel, depth, size);
        }, null);
        this.depth = depth;
        start();
    }

    private static int check(int connections, int depth, int size) {
        if (connections < 1 || depth < 1 || size < 1 || size > 65_535) {
            throw new IllegalArgumentException("connections and depth must be positive and size within 1..65535");
        }
        return connections;
    }

    /**
     * Returns once {@code n} more echoed messages have arrived whole, over all connections.
     *
     * @return the messages echoed since construction
     * @throws UncheckedIOException when a socket fails or is closed, a frame is not the echo,
     *     or nothing moves for ten seconds
     */
    public long messages(long n) {
        return await(n);
    }

    @Override
    void beforeSend(WebSocketPeer peer) {
        peer.outstanding = depth;
    }

    @Override
    void received(WebSocketPeer peer, ByteBuffer in, int read) throws IOException {
        while (in.hasRemaining()) {
            if (peer.consume(in)) {
                complete();
                if (--peer.outstanding == 0) {
                    send(peer);
                }
            }
        }
    }

    /** RFC 6455 §4.1: the opening handshake, blocking; the answer must be a 101 with the right accept value. */
    private static void upgrade(SocketChannel channel, InetSocketAddress address, String path) throws IOException {
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        String request = "GET " + path + " HTTP/1.1\r\n"
                + "Host: " + address.getHostString() + ":" + address.getPort() + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
        while (out.hasRemaining()) {
            channel.write(out);
        }
        // The server sends nothing after its 101 until the client's first frame, so the
        // answer can be read in whole chunks without eating a frame.
        ByteBuffer in = ByteBuffer.allocate(4096);
        while (!endsHead(in)) {
            if (!in.hasRemaining() || channel.read(in) < 0) {
                throw new IOException("no complete upgrade answer from the server");
            }
        }
        String head = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
        if (!head.startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + head.lines().findFirst().orElse(""));
        }
        String accept = accept(key);
        boolean accepted = head.lines().anyMatch(line -> line.regionMatches(true, 0, "Sec-WebSocket-Accept:", 0, 21)
                && line.substring(21).trim().equals(accept));
        if (!accepted) {
            throw new IOException("upgrade answer without the right Sec-WebSocket-Accept: " + head);
        }
    }

    private static boolean endsHead(ByteBuffer in) {
        int p = in.position();
        return p >= 4 && in.get(p - 4) == '\r' && in.get(p - 3) == '\n' && in.get(p - 2) == '\r' && in.get(p - 1) == '\n';
    }

    private static String accept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-1", e);
        }
    }

    /** One connection and where it is in the server frame it is reading. */
    static final class WebSocketPeer extends Peer {
        private final int size;
        /** Echoes of the current batch still to come. */
        int outstanding;
        /** Header bytes of the current frame seen so far (2, plus 2 when the length needs them). */
        private int headerRead;
        private int headerLength = 2;
        private int payloadLength;
        private int payloadRemaining = -1;

        WebSocketPeer(SocketChannel channel, int depth, int size) {
            super(channel, frames(depth, size), 64 * 1024);
            this.size = size;
        }

        /** {@code depth} copies of one frame, for one write. */
        private static ByteBuffer frames(int depth, int size) {
            ByteBuffer one = frame(size);
            ByteBuffer out = ByteBuffer.allocateDirect(one.remaining() * depth);
            for (int i = 0; i < depth; i++) {
                out.put(one.duplicate());
            }
            return out.flip();
        }

        /** RFC 6455 §5.2: FIN and opcode 1 (text), the mask bit and length, the key, the masked payload (§5.3). */
        private static ByteBuffer frame(int size) {
            int header = size < 126 ? 2 : 4;
            ByteBuffer out = ByteBuffer.allocateDirect(header + 4 + size);
            out.put((byte) 0x81);
            if (size < 126) {
                out.put((byte) (0x80 | size));
            } else {
                out.put((byte) (0x80 | 126)).putShort((short) size);
            }
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            out.put(mask);
            for (int i = 0; i < size; i++) {
                out.put((byte) (('a' + i % 26) ^ mask[i & 3]));
            }
            return out.flip();
        }

        /** Consumes bytes of {@code in}; returns {@code true} (and stops) when a whole echoed message is in. */
        boolean consume(ByteBuffer in) throws IOException {
            if (payloadRemaining < 0) {
                while (headerRead < headerLength && in.hasRemaining()) {
                    header(in.get());
                }
                if (headerRead < headerLength) {
                    return false;
                }
                if (payloadLength != size) {
                    throw new IOException("echo of " + payloadLength + " bytes, sent " + size);
                }
                payloadRemaining = payloadLength;
            }
            int n = Math.min(payloadRemaining, in.remaining());
            in.position(in.position() + n);
            payloadRemaining -= n;
            if (payloadRemaining > 0) {
                return false;
            }
            payloadRemaining = -1;
            headerRead = 0;
            headerLength = 2;
            return true;
        }

        private void header(byte b) throws IOException {
            switch (headerRead++) {
                case 0 -> {
                    if ((b & 0xff) != 0x81) {
                        throw new IOException(String.format("expected a final text frame, got first byte 0x%02x", b));
                    }
                }
                case 1 -> {
                    // RFC 6455 §5.1: a server never masks its frames.
                    if ((b & 0x80) != 0) {
                        throw new IOException("a masked frame from the server");
                    }
                    payloadLength = b & 0x7f;
                    if (payloadLength == 127) {
                        throw new IOException("a 64-bit frame length, sent " + size + " bytes");
                    }
                    if (payloadLength == 126) {
                        headerLength = 4;
                        payloadLength = 0;
                    }
                }
                default -> payloadLength = (payloadLength << 8) | (b & 0xff);
            }
        }
    }
}
