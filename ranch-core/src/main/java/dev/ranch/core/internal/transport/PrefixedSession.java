package dev.ranch.core.internal.transport;

import dev.ranch.core.transport.HandshakeStatus;
import dev.ranch.core.transport.TransportSession;
import dev.ranch.core.transport.tls.TlsInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * A session whose first input is bytes already taken from the channel by someone else (a
 * PROXY header reader that read past the header). Reads serve those bytes before the channel;
 * everything else goes to the wrapped session. Owner thread only, like every session.
 */
public final class PrefixedSession implements TransportSession {

    private final TransportSession inner;
    private ByteBuffer prefix;

    public PrefixedSession(TransportSession inner, ByteBuffer prefix) {
        this.inner = inner;
        this.prefix = prefix.hasRemaining() ? prefix : null;
    }

    @Override
    public HandshakeStatus handshake(SocketChannel channel) throws IOException {
        return inner.handshake(channel);
    }

    @Override
    public int read(SocketChannel channel, ByteBuffer dst) throws IOException {
        if (prefix == null) {
            return inner.read(channel, dst);
        }
        int n = Math.min(prefix.remaining(), dst.remaining());
        int limit = prefix.limit();
        prefix.limit(prefix.position() + n);
        dst.put(prefix);
        prefix.limit(limit);
        if (!prefix.hasRemaining()) {
            prefix = null;
        }
        return n;
    }

    @Override
    public boolean hasBufferedInput() {
        return prefix != null || inner.hasBufferedInput();
    }

    @Override
    public long write(SocketChannel channel, ByteBuffer[] srcs, int offset, int length) throws IOException {
        return inner.write(channel, srcs, offset, length);
    }

    @Override
    public int write(SocketChannel channel, ByteBuffer src) throws IOException {
        return inner.write(channel, src);
    }

    @Override
    public long transferFile(FileChannel file, long position, long count, SocketChannel channel) throws IOException {
        return inner.transferFile(file, position, count, channel);
    }

    @Override
    public boolean hasPendingOutput() {
        return inner.hasPendingOutput();
    }

    @Override
    public boolean flushPending(SocketChannel channel) throws IOException {
        return inner.flushPending(channel);
    }

    @Override
    public void beforeClose(SocketChannel channel) {
        inner.beforeClose(channel);
    }

    @Override
    public TlsInfo tlsInfo() {
        return inner.tlsInfo();
    }
}
