/**
 * WebSocket (RFC 6455) for ranch-http, with permessage-deflate (RFC 7692).
 *
 * <p><b>Use.</b> Route a path with {@code Router.Builder.websocket(path, factory, options)};
 * the {@link dev.ranch.http.websocket.WebSocketHandlerFactory} makes one
 * {@link dev.ranch.http.websocket.WebSocketHandler} per connection (Cowboy's
 * {@code init} / {@code websocket_init} / {@code websocket_handle} / {@code websocket_info} /
 * {@code terminate}), which talks through its {@link dev.ranch.http.websocket.WebSocketSession}.
 * Every limit is in {@link dev.ranch.http.websocket.WebSocketOptions}.
 *
 * <p><b>How bytes flow.</b> The HTTP connection parses the upgrade request like any other and
 * finds a {@link dev.ranch.http.websocket.WebSocketRoute}; {@code Handshakes} checks it and
 * either answers a refusal as plain HTTP (the connection stays HTTP) or returns a
 * {@code WebSocketConnection}. The HTTP connection then writes nothing more: it calls the
 * WebSocket protocol's {@code init} (which writes the {@code 101}), hands it the bytes that
 * followed the request in the same read, and from then on forwards every ranch callback to
 * it. The ranch {@code Connection} stays the same object, so its mailbox, timers, watermarks
 * and {@code Registry} membership carry over.
 *
 * <p><b>Inside a connection.</b> {@code FrameReader} splits the stream into frames and unmasks
 * payloads in the loop's read buffer; {@code InboundFrames} has each header and close frame
 * judged by {@code FrameRules} as it completes and delivers whole frames in place when it can;
 * {@code CloseHandshake} sends the one close frame and closes TCP once both are exchanged;
 * {@code InboundMessage} gathers the rest, inflates through {@code PerMessageDeflate} and
 * validates UTF-8 ({@code Utf8Validator}) byte by byte, bounded by {@code maxMessageSize};
 * {@code FrameSender} frames what the handler sends, into the loop's {@code OutboundFrames}
 * batch, or through its queue when the send comes from another thread. On the echo path
 * nothing is allocated per frame.
 */
package dev.ranch.http.websocket;
