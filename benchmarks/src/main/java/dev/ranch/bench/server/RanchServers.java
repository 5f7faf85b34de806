package dev.ranch.bench.server;

import dev.ranch.chat.ChatConfig;
import dev.ranch.chat.ChatServer;
import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transport;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import dev.ranch.http.websocket.WebSocketHandler;
import dev.ranch.http.websocket.WebSocketOptions;
import dev.ranch.http.websocket.WebSocketSession;
import java.net.InetAddress;
import java.nio.ByteBuffer;

/**
 * The ranch side of every pair: ranch-core with its defaults, except a limit high enough for
 * the idle-connection benchmark; ranch-http with its defaults except no limit on
 * requests per connection ({@link #HTTP_OPTIONS}, as Netty has none), over TCP or ranch-core's
 * TLS transport; ranch-http's WebSocket for the WebSocket echo; and ranch-chat-example's
 * {@link ChatServer} for the chat.
 */
public final class RanchServers {

    /**
     * ranch-http's defaults, except {@code maxKeepAliveRequests}: its default of 1000 would
     * close every benchmark connection after 1000 requests, which Netty's codec never does.
     */
    public static final HttpOptions HTTP_OPTIONS = HttpOptions.builder()
            .maxKeepAliveRequests(Integer.MAX_VALUE)
            .build();

    private RanchServers() {}

    /** Starts {@code workload} on {@code port} with {@code loops} event loops. */
    public static Server start(Workload workload, int port, int loops) {
        if (workload == Workload.CHAT) {
            return chat(port, loops);
        }
        Ranch ranch = Ranch.builder().eventLoops(loops).jmx(false).build();
        try {
            ListenerOptions options = ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress())
                    .port(port)
                    .backlog(1024)
                    .maxConnections(ListenerOptions.INFINITY)
                    .build();
            Listener listener = switch (workload) {
                case ECHO -> ranch.startListener("echo", Transports.tcp(), options, connection -> new Echo());
                case HTTP -> HttpServer.start(ranch, "http", options, helloRouter(), HTTP_OPTIONS);
                case CHAT -> throw new AssertionError("started above");
                case WS_ECHO -> HttpServer.start(ranch, "ws-echo", options, webSocketEchoRouter(), HTTP_OPTIONS);
                case TLS_ECHO -> ranch.startListener("tls-echo", tls(), options, connection -> new Echo());
                case HTTPS_HELLO -> ranch.startListener("https", tls("http/1.1"), options,
                        HttpServer.protocol(helloRouter(), HTTP_OPTIONS));
                // A plain ranch-http listener takes h2c with prior knowledge beside HTTP/1.1.
                case H2C -> HttpServer.start(ranch, "h2c", options, helloRouter(), HTTP_OPTIONS);
            };
            return new RanchServer(ranch, listener);
        } catch (RuntimeException e) {
            ranch.close();
            throw e;
        }
    }

    /**
     * ranch-core's TLS transport presenting the {@link LoopbackCertificate}, its defaults
     * otherwise (TLS 1.3 and 1.2), offering {@code alpn} by ALPN when given.
     */
    public static Transport tls(String... alpn) {
        return Transports.tls(TlsOptions.builder(LoopbackCertificate.get().serverContext())
                .applicationProtocols(alpn)
                .build());
    }

    /**
     * Every {@code GET} answers hello world; {@code POST /echo} answers the body with its
     * Content-Type; {@code GET /error} throws, so the server answers 500 and carries on.
     */
    static Router helloRouter() {
        return helloRoutes(Router.builder()).build();
    }

    /**
     * One plain HTTP port serving both {@link #helloRouter()}'s routes and
     * {@link #webSocketEchoRouter()}'s WebSocket echo at {@code /ws}: the soak server's.
     */
    public static Router helloAndWebSocketEchoRouter() {
        // /ws first: the first path that matches decides, and "_" matches every path.
        return helloRoutes(webSocketEchoRoutes(Router.builder())).build();
    }

    private static Router.Builder helloRoutes(Router.Builder routes) {
        return routes
                .get("/error", (req, res) -> {
                    throw new IllegalStateException("GET /error fails on purpose");
                })
                .post("/echo", (req, res) -> {
                    String type = req.header("Content-Type");
                    res.header("Content-Type", type == null ? "application/octet-stream" : type).send(req.body());
                })
                .get("/echo", RanchServers::hello)
                .get("_", RanchServers::hello);
    }

    /**
     * {@code GET /ws} upgrades to WebSocket and echoes every message (ranch-http's
     * {@link WebSocketOptions} defaults); any other path is a 404.
     */
    static Router webSocketEchoRouter() {
        return webSocketEchoRoutes(Router.builder()).build();
    }

    private static Router.Builder webSocketEchoRoutes(Router.Builder routes) {
        WebSocketEcho echo = new WebSocketEcho();
        return routes.websocket("/ws", (request, handshake) -> echo, WebSocketOptions.builder().build());
    }

    /**
     * Sends every whole message back as it came, text as its validated UTF-8 bytes (not
     * decoded into a {@code String}). Stateless, so one instance serves every session, as
     * Netty's sharable echo handler does.
     */
    static final class WebSocketEcho implements WebSocketHandler {
        @Override
        public void onTextBytes(WebSocketSession session, ByteBuffer utf8) {
            session.sendText(utf8);
        }

        @Override
        public void onBinary(WebSocketSession session, ByteBuffer data) {
            session.sendBinary(data);
        }
    }

    private static void hello(dev.ranch.http.Request request, dev.ranch.http.Response response) {
        response.header("Content-Type", Hello.CONTENT_TYPE).send(Hello.BODY);
    }

    /** ranch-chat-example's server on {@code loops} loops, room for 20,000 members. */
    private static Server chat(int port, int loops) {
        ChatServer chat = ChatServer.start(ChatConfig.builder()
                .port(port)
                .httpPort(0) // the browser page is not measured; any free port keeps 8080 out of it
                .eventLoops(loops)
                .maxConnections(20_000)
                .build());
        return new Server() {
            @Override
            public int port() {
                return chat.port();
            }

            @Override
            public int connections() {
                return chat.listener().info().allConnections();
            }

            @Override
            public void close() {
                chat.close();
            }
        };
    }

    /** Writes back what it reads: socket first, the rest queued by the connection. */
    static final class Echo implements Protocol {
        @Override
        public void onData(Connection connection, ByteBuffer data) {
            connection.write(data);
        }
    }

    private record RanchServer(Ranch ranch, Listener listener) implements Server {
        @Override
        public int port() {
            return listener.port();
        }

        @Override
        public int connections() {
            return listener.info().allConnections();
        }

        @Override
        public void close() {
            ranch.close();
        }
    }
}
