package dev.ranch.http;

import dev.ranch.http.websocket.WebSocketHandler;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.http.websocket.WebSocketRoute;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wrapper combinations that could not work are refused when the route is written, not ignored at run time. */
class HttpHandlerTest {

    private static final BodyHandler BODY = new BodyHandler() {
        @Override
        public void onHead(Request request, Response response) { }

        @Override
        public void onBody(Request request, Response response, ByteBuffer data) { }

        @Override
        public void onEnd(Request request, Response response) { }
    };

    /** Found by the API review: the body callbacks were never called, and nothing said so. */
    @Test
    void blockingAStreamingHandlerIsRefusedAtConstruction() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpHandler.blocking(HttpHandler.streaming(BODY)));
        assertTrue(e.getMessage().contains("BodyHandler"), e.getMessage());
    }

    @Test
    void blockingAWebSocketRouteIsRefusedAtConstruction() {
        WebSocketRoute route = WebSocketRoute.of((request, handshake) -> new WebSocketHandler() { },
                WebSocketOptions.DEFAULTS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HttpHandler.blocking(route));
        assertTrue(e.getMessage().contains("WebSocketRoute"), e.getMessage());
    }

    @Test
    void blockingTwiceIsBlockingOnce() {
        HttpHandler once = HttpHandler.blocking((request, response) -> response.send("x"));
        assertSame(once, HttpHandler.blocking(once));
    }

    @Test
    void blockingANullHandlerIsRefusedAtConstruction() {
        assertThrows(NullPointerException.class, () -> HttpHandler.blocking(null));
    }
}
