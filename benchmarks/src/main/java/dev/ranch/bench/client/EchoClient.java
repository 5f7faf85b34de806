package dev.ranch.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;

/**
 * The echo load client: {@code connections} sockets, each with one message of {@code size}
 * bytes in flight; as soon as a connection has its whole message back it sends it again.
 * One thread (the caller of {@link #roundTrips}) drives every socket and allocates nothing
 * (see {@link SelectorLoadClient}). Both sides of a pair are measured with this same client,
 * in the same JVM, on the same cores as the server.
 */
public final class EchoClient extends SelectorLoadClient<EchoClient.EchoPeer> {

    private final int size;

    /**
     * Connects {@code connections} sockets to {@code address} and puts one message of
     * {@code size} bytes in flight on each.
     */
    public EchoClient(InetSocketAddress address, int connections, int size) throws IOException {
        this(address, connections, size, null);
    }

    /**
     * As {@link #EchoClient(InetSocketAddress, int, int)}, over TLS 1.3 with {@code tls} when
     * it is not {@code null} (see {@link SelectorLoadClient}).
     */
    public EchoClient(InetSocketAddress address, int connections, int size, SSLContext tls) throws IOException {
        super(address, check(connections, size), channel -> new EchoPeer(channel, size), tls);
        this.size = size;
        start();
    }

    private static int check(int connections, int size) {
        if (connections < 1 || size < 1) {
            throw new IllegalArgumentException("connections and size must be positive");
        }
        return connections;
    }

    /**
     * Returns once {@code n} more round trips (a whole message sent and received back) have
     * completed, over all connections.
     *
     * @return the round trips completed since construction
     * @throws UncheckedIOException when a socket fails, is closed by the server, or nothing
     *     moves for ten seconds
     */
    public long roundTrips(long n) {
        return await(n);
    }

    @Override
    void received(EchoPeer peer, ByteBuffer in, int read) throws IOException {
        peer.received += read;
        if (peer.received >= size) {
            peer.received -= size;
            complete();
            send(peer);
        }
    }

    static final class EchoPeer extends Peer {
        int received;

        EchoPeer(SocketChannel channel, int size) {
            super(channel, message(size), Math.min(size, 64 * 1024));
        }

        private static ByteBuffer message(int size) {
            ByteBuffer out = ByteBuffer.allocateDirect(size);
            for (int i = 0; i < size; i++) {
                out.put(i, (byte) ('a' + i % 26));
            }
            return out;
        }
    }
}
