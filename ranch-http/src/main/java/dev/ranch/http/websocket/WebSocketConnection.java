package dev.ranch.http.websocket;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.http.Request;

import java.nio.ByteBuffer;

/** Stub: the WebSocket protocol of one connection. */
final class WebSocketConnection implements Protocol {

    WebSocketConnection(WebSocketHandler handler, WebSocketOptions options, Request request, byte[] head,
                        String subprotocol, PerMessageDeflate deflate) {
    }

    @Override
    public void init(Connection connection) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void onData(Connection connection, ByteBuffer data) {
    }
}
