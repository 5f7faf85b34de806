package dev.ranch.http.websocket;

import dev.ranch.http.Request;

/**
 * Makes the {@link WebSocketHandler} of one connection when its upgrade request is valid
 * (Cowboy's {@code init} returning {@code cowboy_websocket}). It may look at the request
 * (cookies, query, path bindings), choose the subprotocol or add response headers through
 * the {@link WebSocketHandshake}, or refuse.
 *
 * <p>Runs on the connection's owner thread, once per upgrade request, after the
 * server's own checks (method, headers, version, origin) passed; it must not block.
 */
@FunctionalInterface
public interface WebSocketHandlerFactory {

    /**
     * The handler for this connection, or {@code null} to refuse the upgrade with the status
     * set by {@link WebSocketHandshake#refuse(int)} ({@code 403} when none was set); a refused
     * connection goes on as HTTP.
     *
     * @throws Exception to refuse with {@code 500}; logged at WARN
     */
    WebSocketHandler create(Request request, WebSocketHandshake handshake) throws Exception;
}
