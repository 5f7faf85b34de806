package dev.ranch.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;

/**
 * The HTTP load client: {@code connections} keep-alive sockets, each with {@code depth}
 * requests in flight. A connection writes its {@code depth} requests in one write (depth 1:
 * plain keep-alive; more: pipelining) and writes the next batch once every response of the
 * last one is in, as wrk's pipelining does.
 *
 * <p>One thread (the caller of {@link #responses}) drives every socket (see
 * {@link SelectorLoadClient}), and the loop allocates nothing: the requests are encoded once
 * into a direct buffer per connection, and responses are
 * counted by a small state machine per connection that reads the status line, finds
 * {@code Content-Length} among the headers (any case) and the blank line that ends them, and
 * skips that many body bytes. Headers are not assumed to have any length: ranch-http and Netty
 * send different ones. A status other than 200, a response without Content-Length, or a
 * closed connection fails the run.
 */
public final class HttpLoadClient extends SelectorLoadClient<HttpLoadClient.HttpPeer> {

    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final int depth;

    /**
     * Connects {@code connections} sockets to {@code address} and puts {@code depth} copies of
     * {@code request} (one whole HTTP request) in flight on each.
     */
    public HttpLoadClient(InetSocketAddress address, int connections, int depth, byte[] request) throws IOException {
        this(address, connections, depth, request, null);
    }

    /**
     * As {@link #HttpLoadClient(InetSocketAddress, int, int, byte[])}, over TLS 1.3 with
     * {@code tls} when it is not {@code null} (HTTPS; see {@link SelectorLoadClient}).
     */
    public HttpLoadClient(InetSocketAddress address, int connections, int depth, byte[] request, SSLContext tls)
            throws IOException {
        super(address, check(connections, depth), channel -> new HttpPeer(channel, request, depth), tls);
        this.depth = depth;
        start();
    }

    private static int check(int connections, int depth) {
        if (connections < 1 || depth < 1) {
            throw new IllegalArgumentException("connections and depth must be positive");
        }
        return connections;
    }

    /**
     * Returns once {@code n} more whole responses have arrived, over all connections.
     *
     * @return the responses received since construction
     * @throws UncheckedIOException when a socket fails or is closed, a response is not a 200
     *     with a Content-Length, or nothing moves for ten seconds
     */
    public long responses(long n) {
        return await(n);
    }

    @Override
    void beforeSend(HttpPeer peer) {
        peer.outstanding = depth;
    }

    @Override
    void received(HttpPeer peer, ByteBuffer in, int read) throws IOException {
        while (in.hasRemaining()) {
            if (peer.consume(in)) {
                complete();
                if (--peer.outstanding == 0) {
                    send(peer);
                }
            }
        }
    }

    /** One connection and the state of the response it is reading. */
    static final class HttpPeer extends Peer {
        /** The start of the current header line, lower-cased, enough to tell Content-Length. */
        final byte[] line = new byte[32];
        int outstanding;

        boolean inBody;
        boolean statusLine = true;
        int lineLength;
        long contentLength = -1;
        long bodyRemaining;

        HttpPeer(SocketChannel channel, byte[] request, int depth) {
            super(channel, requests(request, depth), 64 * 1024);
        }

        private static ByteBuffer requests(byte[] request, int depth) {
            ByteBuffer out = ByteBuffer.allocateDirect(request.length * depth);
            for (int i = 0; i < depth; i++) {
                out.put(request);
            }
            return out.flip();
        }

        /** Consumes bytes of {@code in}; returns {@code true} (and stops) when a response is complete. */
        boolean consume(ByteBuffer in) throws IOException {
            if (inBody) {
                int n = (int) Math.min(bodyRemaining, in.remaining());
                in.position(in.position() + n);
                bodyRemaining -= n;
                return bodyRemaining == 0 && endResponse();
            }
            while (in.hasRemaining()) {
                byte b = in.get();
                if (b != '\n') {
                    if (lineLength < line.length) {
                        line[lineLength] = (byte) (b >= 'A' && b <= 'Z' ? b + 32 : b);
                    }
                    lineLength++;
                    continue;
                }
                int length = lineLength > 0 && lineLength <= line.length && line[lineLength - 1] == '\r'
                        ? lineLength - 1 : lineLength;
                lineLength = 0;
                if (statusLine) {
                    // "HTTP/1.1 200 ..."
                    if (length < 12 || line[9] != '2' || line[10] != '0' || line[11] != '0') {
                        throw new IOException("not a 200 response");
                    }
                    statusLine = false;
                } else if (length == 0) {
                    if (contentLength < 0) {
                        throw new IOException("a response without Content-Length");
                    }
                    bodyRemaining = contentLength;
                    if (bodyRemaining == 0) {
                        return endResponse();
                    }
                    inBody = true;
                    return consume(in);
                } else if (length > CONTENT_LENGTH.length && startsWithContentLength()) {
                    long value = 0;
                    for (int i = CONTENT_LENGTH.length; i < Math.min(length, line.length); i++) {
                        byte c = line[i];
                        if (c >= '0' && c <= '9') {
                            value = value * 10 + (c - '0');
                        }
                    }
                    contentLength = value;
                }
            }
            return false;
        }

        private boolean startsWithContentLength() {
            for (int i = 0; i < CONTENT_LENGTH.length; i++) {
                if (line[i] != CONTENT_LENGTH[i]) {
                    return false;
                }
            }
            return true;
        }

        private boolean endResponse() {
            inBody = false;
            statusLine = true;
            contentLength = -1;
            return true;
        }
    }
}
