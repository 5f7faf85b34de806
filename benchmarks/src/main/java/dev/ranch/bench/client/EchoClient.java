package dev.ranch.bench.client;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * The echo load client: {@code connections} sockets, each with one message of {@code size}
 * bytes in flight; as soon as a connection has its whole message back it sends it again.
 *
 * <p>One thread (the caller of {@link #roundTrips}) drives every socket through one
 * {@link Selector}. The loop allocates nothing: each connection owns two direct buffers made
 * at connect time, ready keys are visited with {@link Selector#select(Consumer, long)} and a
 * consumer made once, and interest changes only when a write was short. Both sides of a pair
 * are measured with this same client, in the same JVM, on the same cores as the server.
 */
public final class EchoClient implements AutoCloseable {

    private static final long STALL_MILLIS = 10_000;

    private final Selector selector;
    private final Peer[] peers;
    private final int size;
    private final Consumer<SelectionKey> onReady = this::ready;
    private long completed;

    /**
     * Connects {@code connections} sockets to {@code address} and puts one message of
     * {@code size} bytes in flight on each.
     */
    public EchoClient(InetSocketAddress address, int connections, int size) throws IOException {
        if (connections < 1 || size < 1) {
            throw new IllegalArgumentException("connections and size must be positive");
        }
        this.size = size;
        this.selector = Selector.open();
        this.peers = new Peer[connections];
        try {
            for (int i = 0; i < connections; i++) {
                SocketChannel channel = SocketChannel.open(address);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                Peer peer = new Peer(channel, size);
                peer.key = channel.register(selector, SelectionKey.OP_READ, peer);
                peers[i] = peer;
            }
            for (Peer peer : peers) {
                send(peer);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
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
        long target = completed + n;
        try {
            while (completed < target) {
                if (selector.select(onReady, STALL_MILLIS) == 0) {
                    throw new IOException("no echo for " + STALL_MILLIS + " ms");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return completed;
    }

    /** Round trips completed since construction. */
    public long completed() {
        return completed;
    }

    private void ready(SelectionKey key) {
        Peer peer = (Peer) key.attachment();
        try {
            if (key.isWritable()) {
                flush(peer);
            }
            if (key.isReadable()) {
                ByteBuffer in = peer.in;
                in.clear();
                int read = peer.channel.read(in);
                if (read < 0) {
                    throw new IOException("server closed a connection");
                }
                peer.received += read;
                if (peer.received >= size) {
                    peer.received -= size;
                    completed++;
                    send(peer);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void send(Peer peer) throws IOException {
        peer.out.clear();
        flush(peer);
    }

    private void flush(Peer peer) throws IOException {
        peer.channel.write(peer.out);
        boolean pending = peer.out.hasRemaining();
        if (pending != peer.writeInterest) {
            peer.writeInterest = pending;
            peer.key.interestOps(pending ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
    }

    /** Closes every socket and the selector. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (Peer peer : peers) {
            if (peer == null) {
                continue;
            }
            try {
                peer.channel.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        selector.close();
        if (failure != null) {
            throw failure;
        }
    }

    private static final class Peer {
        final SocketChannel channel;
        final ByteBuffer out;
        final ByteBuffer in;
        SelectionKey key;
        int received;
        boolean writeInterest;

        Peer(SocketChannel channel, int size) {
            this.channel = channel;
            this.out = ByteBuffer.allocateDirect(size);
            for (int i = 0; i < size; i++) {
                out.put(i, (byte) ('a' + i % 26));
            }
            this.in = ByteBuffer.allocateDirect(Math.min(size, 64 * 1024));
        }
    }
}
