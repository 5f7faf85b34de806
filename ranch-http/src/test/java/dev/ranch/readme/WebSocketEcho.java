package dev.ranch.readme;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import dev.ranch.http.websocket.OriginPolicy;
import dev.ranch.http.websocket.WebSocketHandler;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.http.websocket.WebSocketSession;
import java.nio.ByteBuffer;

public final class WebSocketEcho {
    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;  // 0: the kernel picks one
        Ranch ranch = Ranch.builder().build();
        Router router = Router.builder()
                .websocket("/echo", (request, handshake) -> new WebSocketHandler() {
                    @Override public void onText(WebSocketSession session, String text) { session.sendText(text); }
                    @Override public void onBinary(WebSocketSession session, ByteBuffer data) { session.sendBinary(data); }
                }, WebSocketOptions.builder().originPolicy(OriginPolicy.SAME_ORIGIN).deflate(true).build())
                .build();
        Listener web = HttpServer.start(ranch, "ws", ListenerOptions.builder().port(port).build(),
                router, HttpOptions.DEFAULTS);
        System.out.println("WebSocket echo at ws://localhost:" + web.port() + "/echo");

        Runtime.getRuntime().addShutdownHook(new Thread(ranch::close));  // Ctrl-C or SIGTERM: close 1001
        Thread.currentThread().join();                                   // serve until then
    }
}
