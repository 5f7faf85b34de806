package dev.ranch.core;

import dev.ranch.core.listener.Listener;
import dev.ranch.core.proxy.ProxyHeader;
import dev.ranch.core.transport.tls.TlsInfo;
import dev.ranch.core.transport.tls.TlsOptions;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One accepted socket as its {@link Protocol} sees it.
 *
 * <p>A connection belongs to exactly one event loop thread, its owner. Methods documented as
 * "owner thread" throw {@link IllegalStateException} when called from any other thread; to
 * act on a connection from elsewhere, {@link #send} it a message and act in
 * {@link Protocol#onMessage}. Methods documented as "any thread" are safe everywhere.
 */
public interface Connection {

    /** A stable id, unique within the {@link Ranch} instance. Any thread. */
    long id();

    /** The listener that accepted this connection, or {@code null} for an outbound one. Any thread. */
    Listener listener();

    /**
     * The peer's address: the client's, as its PROXY header reported it, when the listener
     * reads PROXY headers; else the socket's. Any thread.
     */
    SocketAddress peer();

    /** The local address the peer connected to (the proxy's destination, with a PROXY header). Any thread. */
    SocketAddress local();

    /**
     * Starts the transport handshake (none for TCP, TLS for a TLS transport). When it
     * completes, reads are enabled and {@link Protocol#onHandshake} is called; until then,
     * writing and read control throw. Owner thread; call it once.
     *
     * @throws IllegalStateException when called twice or from another thread
     */
    void handshake();

    /**
     * Writes the remaining bytes of {@code data}: as many as the kernel takes now, the rest
     * copied into the outbound queue and written as the socket drains. Bytes go out in call
     * order. The caller may reuse {@code data} as soon as this returns. Writes after
     * {@link #close()} or {@link #abort()} are dropped. Owner thread.
     *
     * @throws IllegalStateException before the handshake has completed, or off the owner thread
     */
    void write(ByteBuffer data);

    /** Writes all of {@code data}; see {@link #write(ByteBuffer)}. Owner thread. */
    void write(byte[] data);

    /**
     * Writes the remaining bytes of every buffer, in order, with one gathering system call
     * when nothing is queued (a response's head and body in one segment); the rest is copied
     * into the outbound queue as with {@link #write(ByteBuffer)}. Owner thread.
     *
     * @throws IllegalStateException before the handshake has completed, or off the owner thread
     */
    void write(ByteBuffer... data);

    /**
     * Sends {@code count} bytes of {@code file} from {@code position}, after everything
     * written before and before anything written after. On plain TCP the kernel copies them
     * ({@code sendfile(2)} through {@link FileChannel#transferTo}), never through the heap;
     * other transports copy in bounded chunks. Queued file bytes count toward the write
     * watermarks. The connection owns {@code file} from now on and closes it once its bytes are
     * sent or the connection closes; a file shorter than announced aborts the connection with
     * an {@code IOException}. Owner thread.
     *
     * @throws IllegalStateException before the handshake has completed, or off the owner thread
     */
    void sendFile(FileChannel file, long position, long count);

    /**
     * Whether the outbound queue is below the high watermark (or has drained back to the low
     * one). Owner thread.
     */
    boolean isWritable();

    /** Bytes waiting in the outbound queue for the socket. Owner thread. */
    long pendingWriteBytes();

    /**
     * Stops reading: no {@link Protocol#onData} until {@link #resumeReads()}. The kernel's
     * receive buffer fills and TCP flow control then stops the peer's writes. Owner thread.
     *
     * @throws IllegalStateException before the handshake has completed, or off the owner thread
     */
    void pauseReads();

    /** Starts reading again after {@link #pauseReads()}. Owner thread. */
    void resumeReads();

    /** Whether reads are paused. Owner thread. */
    boolean isReadPaused();

    /**
     * Delivers {@code message} to {@link Protocol#onMessage} on the owner thread: the
     * connection's mailbox. Messages from one sender arrive in the order sent. Any thread.
     *
     * <p>No message is lost silently. If this returns {@code true}, the protocol receives the
     * message exactly once, in {@link Protocol#onMessage}, or, when the connection closes
     * first, in {@link Protocol#onUndelivered} just before {@link Protocol#onClose}. If it
     * returns {@code false}, the connection had closed and neither is called: the message is
     * still the caller's. (A connection that closes before its protocol exists, which no
     * sender can have reached, drops its mailbox.)
     *
     * @return whether the mailbox took the message; {@code false} once the connection is closed
     */
    boolean send(Object message);

    /**
     * Calls {@link Protocol#onTimeout} with {@code token} after {@code delay}, unless the
     * timer is cancelled or the connection closes first. Owner thread.
     */
    Timer schedule(Duration delay, Object token);

    /**
     * Sets this connection's idle timeout ({@link Protocol#onIdle} after that long without
     * receiving a byte), replacing the listener's {@code idleTimeout}. {@link Duration#ZERO}
     * turns it off. Owner thread.
     */
    void setIdleTimeout(Duration timeout);

    /**
     * Stops counting this connection against the listener's {@code maxConnections} (Ranch's
     * {@code remove_connection}); it keeps running. For long-lived connections such as
     * WebSockets. Idempotent. Owner thread.
     */
    void removeFromCount();

    /** Whether this connection counts against the limit. Any thread. */
    boolean isCounted();

    /**
     * Closes gracefully: stops reading, writes what is queued (bounded by the listener's
     * {@code closeTimeout}), then closes the socket and calls {@link Protocol#onClose}.
     * Idempotent. Owner thread.
     */
    void close();

    /**
     * Closes now, discarding queued outbound bytes, then calls {@link Protocol#onClose}.
     * Idempotent. Any thread: from elsewhere, the abort runs on the owner thread shortly after.
     */
    void abort();

    /** Whether the connection has not yet been closed. Any thread. */
    boolean isOpen();

    /**
     * Runs {@code listener} with this connection once it is closed, on the owner thread, or at
     * once on the caller's thread if it is closed already. The {@code Registry} uses this to
     * forget members. Any thread.
     */
    void whenClosed(Consumer<Connection> listener);

    /**
     * The connection's user attributes: a thread-safe map created on first use, discarded
     * with the connection. Any thread.
     */
    Map<String, Object> attributes();

    /**
     * The PROXY protocol header this connection began with, when its listener reads them
     * ({@code ListenerOptions.proxyProtocol}): the raw bytes, addresses and TLVs. Empty when
     * there was none. {@link #peer()} and {@link #local()} already report its addresses. Any
     * thread.
     */
    default Optional<ProxyHeader> proxyHeader() {
        return Optional.empty();
    }

    /**
     * What the TLS handshake settled (protocol, cipher, peer certificates, ALPN, server
     * name), or empty when this connection is not TLS or its handshake has not completed.
     * Owner thread.
     */
    default Optional<TlsInfo> tls() {
        return Optional.empty();
    }

    /**
     * Upgrades this plaintext connection to TLS as the server, after a plaintext exchange such
     * as SMTP's {@code STARTTLS} (RFC 3207). Bytes written before this call are sent in
     * plaintext first; then the TLS handshake runs, bounded by {@code handshakeTimeout}, and
     * {@link Protocol#onTlsStarted} is called. Until then writes and read control throw. Bytes
     * the protocol received but did not use before calling this are its to discard: a client
     * may not send anything after its STARTTLS command before the handshake (RFC 3207 §5),
     * and honouring such bytes would let an attacker inject commands into the secure session.
     * A failed handshake closes the connection. Owner thread, while open.
     *
     * @throws IllegalStateException when the connection is not open, is already TLS or is
     *     upgrading, or off the owner thread
     * @throws UnsupportedOperationException when the connection cannot change its transport
     */
    default void startTls(TlsOptions options) {
        throw new UnsupportedOperationException("this connection cannot start TLS");
    }
}
