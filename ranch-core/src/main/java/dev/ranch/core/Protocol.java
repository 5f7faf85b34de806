package dev.ranch.core;

import java.nio.ByteBuffer;

/**
 * The code that speaks a protocol on one connection: one instance per connection, created
 * by the listener's {@link ProtocolFactory}.
 *
 * <p>Every callback runs on the connection's owner thread, one at a time, never
 * concurrently and never nested inside another callback of the same connection. Callbacks
 * must not block: a blocked callback stalls every connection sharing that owner thread.
 *
 * <p>An exception thrown by any callback is a crash of this connection only: it is logged
 * once at WARN with the connection id and listener name, the connection is aborted, its slot
 * is freed, and {@link #onClose} receives the exception. No other connection notices.
 *
 * <p>Lifecycle: {@link #init} &rarr; (protocol calls {@link Connection#handshake()}) &rarr;
 * {@link #onHandshake} &rarr; {@link #onData} ... &rarr; {@link #onClose}, exactly once. A
 * connection refused at the limit sees only {@link #onRejected} and {@link #onClose}.
 * {@link #onMessage}, {@link #onTimeout}, {@link #onIdle} and {@link #onShutdown} may arrive
 * at any point before {@link #onClose}; {@link #onUndelivered} only just before it.
 */
public interface Protocol {

    /**
     * The connection has been handed to its owner thread. The default starts the transport
     * handshake at once; a protocol may instead wait for a message (or a timer) and start it
     * later. When the listener reads PROXY headers ({@code ListenerOptions.proxyProtocol}),
     * the connection has already read and checked its header before this call, and
     * {@link Connection#proxyHeader()} holds it. Until the handshake completes, reads are off
     * and {@link Connection#write} throws.
     */
    default void init(Connection connection) {
        connection.handshake();
    }

    /** The transport handshake is complete: reads are enabled and writes allowed from now on. */
    default void onHandshake(Connection connection) {}

    /**
     * The TLS handshake asked for with {@link Connection#startTls} completed: reads are enabled
     * again and writes are encrypted from now on. {@link Connection#tls()} shows what was
     * negotiated.
     */
    default void onTlsStarted(Connection connection) {}

    /**
     * Bytes arrived. {@code data} is the loop's shared buffer, readable between its position
     * and limit and valid only during this call: copy what must be kept.
     */
    void onData(Connection connection, ByteBuffer data);

    /** A message sent with {@link Connection#send} from any thread (the mailbox), in send order per sender. */
    default void onMessage(Connection connection, Object message) {}

    /**
     * A message {@link Connection#send} accepted that will never reach {@link #onMessage}: it
     * was still in the mailbox when the connection closed. Called once for each such message,
     * in send order per sender, on the owner thread, after the connection is marked closed and
     * before {@link #onClose}. Together with {@code send} returning {@code false} once the
     * mailbox is closed, this accounts for every message: a protocol whose senders must know
     * (a chat room counting lost lines, a request waiting for a reply) reports it back here.
     * The default drops it.
     */
    default void onUndelivered(Connection connection, Object message) {}

    /** A timer set with {@link Connection#schedule} fired with its {@code token}. */
    default void onTimeout(Connection connection, Object token) {}

    /** No bytes arrived for the idle timeout. The default closes the connection. */
    default void onIdle(Connection connection) {
        connection.close();
    }

    /**
     * Outbound bytes queued in the connection crossed a watermark: {@code false} above the
     * high watermark (stop producing, perhaps {@link Connection#pauseReads()}), {@code true}
     * once the queue has drained to the low watermark.
     */
    default void onWritabilityChanged(Connection connection, boolean writable) {}

    /**
     * The listener was at its limit with {@code AtLimit.REJECT}: this connection is not served
     * and not counted. Called after the transport handshake, instead of {@link #onHandshake};
     * reads stay off. Write a short answer (HTTP 503, {@code ERR server full}); the connection
     * is closed gracefully when this returns. The default writes nothing.
     */
    default void onRejected(Connection connection) {}

    /**
     * The listener is stopping gracefully. Say goodbye and close; the default closes at once.
     * Connections still open after the listener's shutdown timeout are aborted. Called only
     * once the handshake is done: a connection still handshaking is closed without it.
     */
    default void onShutdown(Connection connection) {
        connection.close();
    }

    /**
     * The connection is closed; the last callback. Its slot is freed when this returns, so
     * a graceful stop returns only after every {@code onClose} has run. {@code cause} is
     * {@code null} for a clean close (by either side) and otherwise says what went wrong:
     * a crash of this protocol, an I/O error, a handshake timeout.
     */
    default void onClose(Connection connection, Throwable cause) {}
}
