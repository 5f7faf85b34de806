package dev.ranch.http.websocket;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** A ranch with one HTTP listener on a free loopback port, for WebSocket tests. */
final class WsTestServer implements AutoCloseable {

    final Ranch ranch;
    final Listener listener;

    private WsTestServer(Ranch ranch, Listener listener) {
        this.ranch = ranch;
        this.listener = listener;
    }

    static WsTestServer start(Router router) {
        return start(router, ListenerOptions.builder());
    }

    static WsTestServer start(Router router, ListenerOptions.Builder listenerOptions) {
        return start(router, listenerOptions, 2);
    }

    /** A server on {@code loops} event loops; with one, every connection shares the same loop thread. */
    static WsTestServer start(Router router, ListenerOptions.Builder listenerOptions, int loops) {
        Ranch ranch = Ranch.builder().eventLoops(loops).build();
        try {
            Listener listener = HttpServer.start(ranch, "ws",
                    listenerOptions.bindAddress(InetAddress.getLoopbackAddress()).port(0).build(), router,
                    HttpOptions.DEFAULTS);
            return new WsTestServer(ranch, listener);
        } catch (RuntimeException e) {
            ranch.close();
            throw e;
        }
    }

    /** A server whose {@code /ws} echoes every message, with {@code options}. */
    static WsTestServer echo(WebSocketOptions options) {
        return start(Router.builder().websocket("/ws", (request, handshake) -> new Echo(), options)
                .get("/plain", (req, res) -> res.send("plain")).build());
    }

    int port() {
        return listener.port();
    }

    @Override
    public void close() {
        ranch.close();
    }

    /** Sends every message back as it came, without decoding text. */
    static class Echo implements WebSocketHandler {
        @Override
        public void onTextBytes(WebSocketSession session, ByteBuffer utf8) {
            session.sendText(utf8);
        }

        @Override
        public void onBinary(WebSocketSession session, ByteBuffer data) {
            session.sendBinary(data);
        }
    }
}
