package dev.ranch.http.websocket;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.ConnectionInfo;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerInfo;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.test.ChildCommands;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The HTTP server the attack tests (here and in the server package) run in a child JVM (through {@code ChildJvm}), so its heap,
 * threads and descriptors are measured apart from the attacking clients. Routes: {@code GET
 * /hello} (5 bytes), {@code GET /big} ({@code bigBytes} bytes, one shared array) and a
 * WebSocket echo at {@code /ws}. Arguments are {@code name=value}: {@code headerTimeoutMs},
 * {@code bigBytes}, {@code wsMaxBufferedBytes}, {@code wsMaxMessageSize}, {@code loops}, {@code sendBuffer}
 * (the listener's {@code SO_SNDBUF}, to bound what the kernel holds for slow readers);
 * every other option is at its default. Besides {@code ChildCommands}' built-ins it answers
 * {@code count} with {@code <active> <all>} connections of the listener and {@code traffic} with
 * {@code <connections> <bytes in> <bytes out>} summed over them.
 */
public final class AttackedHttpServer {

    private AttackedHttpServer() {}

    public static void main(String[] args) throws Exception {
        Map<String, Long> given = new HashMap<>();
        for (String arg : args) {
            String[] pair = arg.split("=", 2);
            given.put(pair[0], Long.parseLong(pair[1]));
        }
        byte[] big = new byte[(int) (long) given.getOrDefault("bigBytes", 100_000L)];
        WebSocketOptions ws = WebSocketOptions.builder()
                .maxBufferedBytes(given.getOrDefault("wsMaxBufferedBytes", WebSocketOptions.DEFAULTS.maxBufferedBytes()))
                .maxMessageSize((int) (long) given.getOrDefault("wsMaxMessageSize",
                        (long) WebSocketOptions.DEFAULTS.maxMessageSize()))
                .build();
        Router router = Router.builder()
                .get("/hello", (req, res) -> res.send("hello"))
                .get("/big", (req, res) -> res.send(big))
                .websocket("/ws", (request, handshake) -> new WsTestServer.Echo(), ws)
                .build();
        HttpOptions http = HttpOptions.builder()
                .requestHeaderTimeout(Duration.ofMillis(given.getOrDefault("headerTimeoutMs",
                        HttpOptions.DEFAULTS.requestHeaderTimeout().toMillis())))
                .build();
        try (Ranch ranch = Ranch.builder().eventLoops((int) (long) given.getOrDefault("loops", 2L)).jmx(false).build()) {
            Listener listener = HttpServer.start(ranch, "attacked", ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress()).maxConnections(ListenerOptions.INFINITY)
                    .backlog(4096).sendBufferSize((int) (long) given.getOrDefault("sendBuffer", 0L)).build(),
                    router, http);
            new ChildCommands()
                    .on("count", argument -> {
                        ListenerInfo info = listener.info();
                        return info.activeConnections() + " " + info.allConnections();
                    })
                    .on("traffic", argument -> {
                        long in = 0;
                        long out = 0;
                        for (ConnectionInfo connection : listener.connections()) {
                            in += connection.bytesIn();
                            out += connection.bytesOut();
                        }
                        return listener.info().allConnections() + " " + in + " " + out;
                    })
                    .serve(listener.port());
        }
    }
}
