package dev.ranch.core.transport;

import dev.ranch.core.internal.transport.PrefixedSession;
import dev.ranch.core.transport.tls.TlsInfo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;

/**
 * The per-connection side of a {@link Transport}: the transport handshake, and reading and
 * writing application bytes. All methods are called only on the connection's owning event
 * loop, so implementations need no synchronisation.
 *
 * <p>The connection calls {@link #handshake} when its protocol asks for the handshake, and
 * again whenever the channel becomes ready for what the last call asked for, until it
 * answers {@link HandshakeStatus#DONE}. Only then does it read or write application data.
 * A TLS session runs its {@code SSLEngine} here; a PROXY-header session reads the header
 * here before delegating.
 */
public interface TransportSession {

    /**
     * Advances the transport handshake as far as the channel allows without blocking.
     *
     * @return what the handshake waits for next, or {@link HandshakeStatus#DONE}
     * @throws IOException when the handshake fails; the connection is then closed
     */
    HandshakeStatus handshake(SocketChannel channel) throws IOException;

    /**
     * Reads application bytes into {@code dst}.
     *
     * @return the number of bytes put in {@code dst}, possibly 0, or -1 at end of stream
     * @throws IOException on a socket or transport error
     */
    int read(SocketChannel channel, ByteBuffer dst) throws IOException;

    /**
     * Writes application bytes from {@code srcs[offset..offset+length)}, as many as the
     * kernel takes now.
     *
     * @return the number of application bytes consumed from the buffers, possibly 0
     * @throws IOException on a socket or transport error
     */
    long write(SocketChannel channel, ByteBuffer[] srcs, int offset, int length) throws IOException;

    /**
     * Writes application bytes from {@code src}, as many as the kernel takes now.
     *
     * @return the number of bytes consumed from {@code src}, possibly 0
     * @throws IOException on a socket or transport error
     */
    int write(SocketChannel channel, ByteBuffer src) throws IOException;

    /**
     * Sends up to {@code count} bytes of {@code file} from {@code position}, as many as the
     * socket takes now. The default reads the file in chunks of at most 64 KiB and writes them
     * with {@link #write(SocketChannel, ByteBuffer)} (what a TLS session must do); plain TCP
     * overrides it with {@link FileChannel#transferTo}, so the kernel copies the bytes.
     *
     * @return the bytes sent, possibly 0, or -1 if the file ends before {@code position}
     * @throws IOException on a file, socket or transport error
     */
    default long transferFile(FileChannel file, long position, long count, SocketChannel channel) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate((int) Math.min(count, 64 * 1024));
        int read = file.read(chunk, position);
        if (read < 0) {
            return -1;
        }
        chunk.flip();
        // Bytes read but not taken are read again next time, from the new position.
        return write(channel, chunk);
    }

    /**
     * Whether bytes already taken from the channel wait inside the session and can be read
     * without the channel becoming readable (decrypted TLS records, a PROXY reader's leftover).
     * The connection keeps reading while this holds, since the selector will not say so.
     * Default: {@code false}.
     */
    default boolean hasBufferedInput() {
        return false;
    }

    /**
     * Whether the session holds output it produced itself and the kernel has not taken yet
     * (TLS records wrapped from bytes already reported as consumed, a close_notify). The
     * connection keeps watching for writability, and does not count its queue as flushed,
     * while this holds. Default: {@code false}.
     */
    default boolean hasPendingOutput() {
        return false;
    }

    /**
     * Writes the session's own pending output, as much as the kernel takes now.
     *
     * @return {@code true} when nothing is pending afterwards
     * @throws IOException on a socket error
     */
    default boolean flushPending(SocketChannel channel) throws IOException {
        return true;
    }

    /**
     * A session that reads {@code prefix} before anything from the channel: bytes someone
     * took from the channel before this session existed (a PROXY header reader reads past the
     * header when the peer sends both at once). Called at most once, before the handshake. The
     * default wraps this session; a session that buffers raw input itself (TLS) may take the
     * bytes in and return itself.
     */
    default TransportSession withPrefix(ByteBuffer prefix) {
        return new PrefixedSession(this, prefix);
    }

    /** What the TLS layer negotiated, or {@code null} when this session is not TLS (the default). */
    default TlsInfo tlsInfo() {
        return null;
    }

    /**
     * Called once before the channel is closed, so a transport can say goodbye (TLS sends
     * close_notify). Must not block; errors are ignored by the caller.
     */
    default void beforeClose(SocketChannel channel) {}
}
