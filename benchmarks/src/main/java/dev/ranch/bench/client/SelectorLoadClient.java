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
import java.util.function.Function;
import javax.net.ssl.SSLContext;

/**
 * What the load clients share: {@code connections} sockets driven by one thread through one
 * {@link Selector}, each with a pre-filled outbound buffer sent again whenever a subclass says
 * its answer is complete. The loop allocates nothing: buffers are made at connect time, ready
 * keys are visited with {@link Selector#select(Consumer, long)} and a consumer made once, and
 * interest changes only when a write was short.
 *
 * <p>With an {@link SSLContext} every connection runs TLS 1.3 ({@link ClientTls}): the
 * handshake blocks at connect time, then the loop encrypts each outbound buffer before it is
 * sent and hands {@link #received} the plaintext of each record, so subclasses see plaintext
 * either way. The encryption runs on the same thread, so it is part of every figure, on both
 * sides of a pair; the client still makes no buffers in its loop, but the JDK's
 * {@code SSLEngine} allocates inside {@code wrap} and {@code unwrap}.
 *
 * @param <P> the subclass's per-connection state
 */
abstract class SelectorLoadClient<P extends SelectorLoadClient.Peer> implements AutoCloseable {

    private static final long STALL_MILLIS = 10_000;

    /** One connection: its channel, its outbound bytes and its read buffer. */
    static class Peer {
        final SocketChannel channel;
        final ByteBuffer out;
        final ByteBuffer in;
        SelectionKey key;
        boolean writeInterest;
        /** This connection's TLS, or {@code null} on plain TCP. */
        ClientTls tls;

        Peer(SocketChannel channel, ByteBuffer out, int inCapacity) {
            this.channel = channel;
            this.out = out;
            this.in = ByteBuffer.allocateDirect(inCapacity);
        }
    }

    private final Selector selector;
    private final Peer[] peers;
    private final Consumer<SelectionKey> onReady = this::ready;
    private long completed;

    /**
     * Connects every socket; the subclass calls {@link #start()} once its own fields are set.
     * {@code newPeer} runs while the channel is still blocking, so it may exchange bytes first
     * (a WebSocket upgrade); then the TLS handshake runs when {@code tls} is not {@code null}.
     */
    SelectorLoadClient(InetSocketAddress address, int connections, Function<SocketChannel, P> newPeer,
            SSLContext tls) throws IOException {
        this.selector = Selector.open();
        this.peers = new Peer[connections];
        try {
            for (int i = 0; i < connections; i++) {
                SocketChannel channel = SocketChannel.open(address);
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                P peer;
                try {
                    peer = newPeer.apply(channel);
                } catch (RuntimeException e) {
                    channel.close();
                    throw e;
                }
                peers[i] = peer;
                if (tls != null) {
                    peer.tls = ClientTls.handshake(channel, tls, address, peer.out.capacity());
                }
                channel.configureBlocking(false);
                peer.key = channel.register(selector, SelectionKey.OP_READ, peer);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Puts the first message in flight on every connection. */
    final void start() throws IOException {
        try {
            for (Peer peer : peers) {
                send(cast(peer));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Bytes arrived on {@code peer}: {@code in} is flipped, {@code read} bytes long. Count answers with {@link #complete}. */
    abstract void received(P peer, ByteBuffer in, int read) throws IOException;

    /** Called before {@code peer}'s outbound buffer is sent again. */
    void beforeSend(P peer) {}

    /** One more answer is complete. */
    final void complete() {
        completed++;
    }

    /**
     * Returns once {@code n} more answers are complete, over all connections.
     *
     * @throws UncheckedIOException when a socket fails or is closed, or nothing moves for ten seconds
     */
    final long await(long n) {
        long target = completed + n;
        try {
            while (completed < target) {
                if (selector.select(onReady, STALL_MILLIS) == 0) {
                    throw new IOException("no answer for " + STALL_MILLIS + " ms");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return completed;
    }

    /** Answers completed since construction. */
    public final long completed() {
        return completed;
    }

    /** Sends {@code peer}'s outbound buffer again from its start. */
    final void send(P peer) throws IOException {
        beforeSend(peer);
        peer.out.clear();
        if (peer.tls != null) {
            peer.tls.wrap(peer.out);
        }
        flush(peer);
    }

    private void ready(SelectionKey key) {
        P peer = cast((Peer) key.attachment());
        try {
            if (key.isWritable()) {
                flush(peer);
            }
            if (key.isReadable() && peer.tls != null) {
                if (peer.tls.read(peer.channel) < 0) {
                    throw new IOException("server closed a connection");
                }
                for (ByteBuffer plain = peer.tls.nextPlain(); plain != null; plain = peer.tls.nextPlain()) {
                    received(peer, plain, plain.remaining());
                }
            } else if (key.isReadable()) {
                ByteBuffer in = peer.in;
                in.clear();
                int read = peer.channel.read(in);
                if (read < 0) {
                    throw new IOException("server closed a connection");
                }
                in.flip();
                received(peer, in, read);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void flush(Peer peer) throws IOException {
        ByteBuffer out = peer.tls == null ? peer.out : peer.tls.netOut();
        peer.channel.write(out);
        boolean pending = out.hasRemaining();
        if (pending != peer.writeInterest) {
            peer.writeInterest = pending;
            peer.key.interestOps(pending ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
        }
    }

    @SuppressWarnings("unchecked")
    private P cast(Peer peer) {
        return (P) peer;
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
}
