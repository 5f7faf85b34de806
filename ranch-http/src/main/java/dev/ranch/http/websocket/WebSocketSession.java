package dev.ranch.http.websocket;

import dev.ranch.core.Connection;
import dev.ranch.http.Request;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * One open WebSocket connection as its {@link WebSocketHandler} (and the rest of the
 * application) sees it.
 *
 * <p><b>Threads.</b> The send methods, {@link #close}, {@link #post} and the queries marked
 * "any thread" may be called from any thread. On the connection's owner thread they act at once;
 * from any other thread the frame is queued and written by the loop shortly after. Frames sent
 * by one thread go out in the order that thread sent them, and never interleave with each
 * other. After the session has sent or received a close frame, or its connection is gone,
 * sends are silently dropped.
 *
 * <p><b>Buffers.</b> On the owner thread, the bytes of a {@code ByteBuffer} are taken (copied or
 * written) before the call returns. From another thread, a {@code ByteBuffer}'s remaining
 * bytes are copied; a {@code byte[]} is not: do not change it after handing it over.
 *
 * <p><b>Back-pressure.</b> Frames the socket does not take at once wait in the connection's
 * outbound queue, and sends from other threads wait in the session's queue until the loop
 * frames them. The listener's write watermarks signal, through {@link #isWritable()},
 * {@link #bufferedAmount()} and {@link WebSocketHandler#onWritabilityChanged}, so that the
 * application can stop, drop or close (with the code it chooses) while the peer catches up.
 * An application that sends on regardless meets the route's hard bound,
 * {@link WebSocketOptions.Builder#maxBufferedBytes(long)}: a send made while more than that
 * waits unsent is dropped with every later one, and the session closes with
 * {@link WebSocketOptions.Builder#overflowCloseCode(int)}.
 */
public interface WebSocketSession {

    /** Sends a text message, encoded as UTF-8. Any thread. */
    void sendText(CharSequence text);

    /**
     * Sends a text message whose remaining bytes are already UTF-8 (say, a received message
     * echoed); they are not checked again. Any thread.
     */
    void sendText(ByteBuffer utf8);

    /** Sends a binary message of the remaining bytes of {@code data}. Any thread. */
    void sendBinary(ByteBuffer data);

    /** Sends a binary message of all of {@code data}. Any thread. */
    void sendBinary(byte[] data);

    /**
     * Sends one frame of a fragmented message (RFC 6455 section 5.4), not its last: the first
     * call starts a message of {@code type}, later calls continue it with continuation frames,
     * and {@link #sendLastFragment} ends it. Whole messages sent in between would break the
     * framing and are refused. Fragments are never compressed. Any thread; off the owner
     * thread a refusal cannot reach the caller and is logged at WARN instead.
     *
     * @throws IllegalStateException on the owner thread, when {@code type} differs from the
     *     type of the message in progress
     */
    void sendFragment(MessageType type, ByteBuffer data);

    /**
     * Sends the last frame of a fragmented message, or a whole message in one uncompressed frame
     * when none is in progress; see {@link #sendFragment}. Any thread.
     *
     * @throws IllegalStateException on the owner thread, when {@code type} differs from the
     *     type of the message in progress
     */
    void sendLastFragment(MessageType type, ByteBuffer data);

    /**
     * Sends a ping; the peer's pong arrives at {@link WebSocketHandler#onPong}. Any thread.
     *
     * @throws IllegalArgumentException when the payload exceeds 125 bytes (RFC 6455 section 5.5)
     */
    void ping(ByteBuffer payload);

    /** {@link #close(int, String)} with {@link CloseCodes#NORMAL} and no reason. Any thread. */
    void close();

    /**
     * Starts the close handshake: sends a close frame with {@code code} and {@code reason}
     * (the only close frame this session will ever send), stops delivering messages, and
     * closes the TCP connection once the peer's close frame arrives, or after the route's
     * {@code closeTimeout}. Idempotent: only the first close (by anyone) sends a frame. Any
     * thread.
     *
     * @throws IllegalArgumentException when {@code code} may not be sent
     *     ({@link CloseCodes#isSendable}) or the reason is longer than 123 bytes in UTF-8
     */
    void close(int code, String reason);

    /** Drops the TCP connection at once without a close frame. Any thread. */
    void abort();

    /**
     * Delivers {@code message} to {@link WebSocketHandler#onMessage} on the owner thread: the
     * session's mailbox (the same as {@code connection().send(message)}). Messages of one
     * sender arrive in order. Any thread.
     *
     * @return {@code false} if the connection is closed and the message stays the caller's
     *     (no callback sees it); {@code true} if the mailbox took it: it then reaches
     *     {@link WebSocketHandler#onMessage} or, if the connection closes first,
     *     {@link WebSocketHandler#onUndelivered}, exactly once
     */
    boolean post(Object message);

    /** Whether no close frame has been sent or received yet, so sends still go out. Any thread. */
    boolean isOpen();

    /**
     * Whether the outbound queue is below the listener's high write watermark (or drained back
     * to the low one). Any thread; from another thread a recent value.
     */
    boolean isWritable();

    /**
     * Bytes handed to the session but not yet taken by the socket: the connection's outbound
     * queue plus frames queued from other threads. Any thread; from another thread a recent
     * value.
     */
    long bufferedAmount();

    /**
     * Stops reading from the peer (TCP pushes back) until {@link #resumeReads()}. Independent
     * of the pause the server applies while unwritable. Owner thread.
     *
     * @throws IllegalStateException off the owner thread
     */
    void pauseReads();

    /** Resumes reading after {@link #pauseReads()}. Owner thread. */
    void resumeReads();

    /** The upgrade request: path, bindings, query, headers, cookies. Any thread. */
    Request request();

    /** The subprotocol agreed in the handshake, or {@code null}. Any thread. */
    String subprotocol();

    /** Whether permessage-deflate was agreed in the handshake. Any thread. */
    boolean isCompressed();

    /**
     * The ranch connection under the session, for its id, peer, attributes, a {@code Registry}
     * or {@code removeFromCount()}. Writing to it directly would corrupt the framing: send
     * through the session. Any thread.
     */
    Connection connection();

    /** The connection's attributes: a thread-safe map for application state. Any thread. */
    default Map<String, Object> attributes() {
        return connection().attributes();
    }

    /** Whether the calling thread is the connection's owner thread. Any thread. */
    boolean inLoop();
}
