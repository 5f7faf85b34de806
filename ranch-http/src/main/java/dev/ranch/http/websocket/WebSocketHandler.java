package dev.ranch.http.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The application side of one WebSocket connection, in the shape of a Cowboy WebSocket
 * handler: {@link #onOpen} ({@code websocket_init}), {@link #onText} / {@link #onBinary}
 * ({@code websocket_handle}), {@link #onMessage} ({@code websocket_info}) and {@link #onClose}
 * ({@code terminate}).
 *
 * <p>One instance per connection, made by a {@link WebSocketHandlerFactory} during the
 * upgrade. Every callback runs on the connection's owner thread, one at a time, never
 * concurrently; callbacks must not block. A callback that throws closes the connection with
 * {@code 1011} (internal error) after one WARN line; other connections carry on.
 *
 * <p>Buffers passed to callbacks are views of the server's buffers, readable between position
 * and limit and valid only during the call: copy what must be kept. Every method has a
 * default that does nothing (or adapts to another callback), so a handler overrides only what
 * it needs.
 */
public interface WebSocketHandler {

    /**
     * The {@code 101} response has been written: the session may send from now on. Called
     * once, before any other callback. Owner thread.
     */
    default void onOpen(WebSocketSession session) {}

    /**
     * A complete text message (with {@link WebSocketOptions.Builder#aggregate(boolean)} on, the
     * default), decoded. Called by the default {@link #onTextBytes}. Owner thread.
     */
    default void onText(WebSocketSession session, String text) {}

    /**
     * A complete text message as its UTF-8 bytes, already validated (RFC 6455 section 8.1),
     * without decoding them: an echo or a relay may send them on with
     * {@link WebSocketSession#sendText(ByteBuffer)} and never make a {@code String}. The
     * default decodes and calls {@link #onText(WebSocketSession, String)}. Owner thread.
     */
    default void onTextBytes(WebSocketSession session, ByteBuffer utf8) {
        onText(session, StandardCharsets.UTF_8.decode(utf8).toString());
    }

    /** A complete binary message (aggregate mode). Owner thread. */
    default void onBinary(WebSocketSession session, ByteBuffer data) {}

    /**
     * One data frame of a message, as it arrived, when the route was built with
     * {@code aggregate(false)}; never called otherwise. {@code type} says the message's type
     * (continuation frames carry the type of their first frame); {@code first} and {@code last}
     * mark its first and last frame (both for an unfragmented message). A text fragment has
     * been validated as UTF-8 so far, but a character may straddle two fragments. With
     * permessage-deflate, {@code data} is the inflated piece. Owner thread.
     */
    default void onFragment(WebSocketSession session, MessageType type, boolean first, boolean last, ByteBuffer data) {}

    /** A ping arrived; the pong has already been sent (RFC 6455 section 5.5.2). Owner thread. */
    default void onPing(WebSocketSession session, ByteBuffer payload) {}

    /** A pong arrived (an answer to {@link WebSocketSession#ping} or unsolicited). Owner thread. */
    default void onPong(WebSocketSession session, ByteBuffer payload) {}

    /**
     * A message from another thread: {@link WebSocketSession#post(Object)}, or
     * {@code connection.send(message)} on {@link WebSocketSession#connection()} (so a ranch
     * {@code Registry} can reach sessions). The WebSocket counterpart of the connection's
     * mailbox. Owner thread.
     */
    default void onMessage(WebSocketSession session, Object message) {}

    /**
     * A message the mailbox took ({@link WebSocketSession#post(Object)} or
     * {@code connection().send} returned {@code true}) but that the connection closed before
     * delivering to {@link #onMessage}: one call per such message, oldest first, after every
     * other callback and just before {@link #onClose}. Every message a sender was told was
     * taken reaches exactly one of the two. A handler whose messages carry obligations (a
     * request waiting for a reply, a counted line, a resource to release) settles them here;
     * the session is closing and nothing sent now reaches the peer. A throw is logged and the
     * next message still comes. The default drops the message. Owner thread.
     */
    default void onUndelivered(WebSocketSession session, Object message) {}

    /**
     * The outbound queue crossed the listener's write watermarks: {@code false} above the high
     * one, {@code true} once it drained to the low one. While unwritable the server also stops
     * reading this connection (so a client that sends without reading is pushed back by TCP).
     * A handler that produces for a slow reader may stop, drop, or close with
     * {@link CloseCodes#POLICY_VIOLATION} or {@link CloseCodes#TRY_AGAIN_LATER}. Owner thread.
     */
    default void onWritabilityChanged(WebSocketSession session, boolean writable) {}

    /**
     * The listener is stopping gracefully: say goodbye and close. The default closes with
     * {@link CloseCodes#GOING_AWAY}; connections still open after the listener's shutdown
     * timeout are dropped. Owner thread.
     */
    default void onShutdown(WebSocketSession session) {
        session.close(CloseCodes.GOING_AWAY, "server shutting down");
    }

    /**
     * The connection is closed; the last callback, called exactly once. {@code code} and
     * {@code reason} are those of the close handshake: the peer's when it closed first (
     * {@link CloseCodes#NO_STATUS} if its close frame had no code), the server's when it
     * closed first (the handler's {@code close}, a protocol error, a timeout, a shutdown), and
     * {@link CloseCodes#ABNORMAL} when the TCP connection ended without any close frame.
     * Owner thread.
     */
    default void onClose(WebSocketSession session, int code, String reason) {}
}
