package dev.ranch.http.websocket;

import dev.ranch.core.Protocol;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.Request;
import dev.ranch.http.Response;

import java.util.Objects;

/**
 * A route that upgrades HTTP/1.1 requests to WebSocket (RFC 6455 section 4.2). Add it with
 * {@code Router.builder().websocket(path, factory, options)}, or as any {@code GET} route:
 *
 * <pre>{@code
 * Router router = Router.builder()
 *         .websocket("/ws", (request, handshake) -> new WebSocketHandler() {
 *             public void onTextBytes(WebSocketSession session, ByteBuffer utf8) {
 *                 session.sendText(utf8);                       // echo
 *             }
 *         }, WebSocketOptions.builder().originPolicy(OriginPolicy.SAME_ORIGIN).build())
 *         .build();
 * }</pre>
 *
 * <p>A valid upgrade is answered {@code 101} and the connection speaks WebSocket from then on
 * (bytes the client sent right after its request included). A request that is not a valid
 * upgrade gets {@code 400}; an unsupported version {@code 426} with
 * {@code Sec-WebSocket-Version: 13}; an origin the {@link OriginPolicy} refuses {@code 403};
 * and the connection goes on as HTTP after any of them.
 *
 * <p>Immutable and thread-safe; one route may serve many connections and listeners.
 */
public final class WebSocketRoute implements HttpHandler {

    private final WebSocketHandlerFactory factory;
    private final WebSocketOptions options;

    private WebSocketRoute(WebSocketHandlerFactory factory, WebSocketOptions options) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.options = Objects.requireNonNull(options, "options");
    }

    /** A route whose connections get handlers from {@code factory}, with {@code options}. */
    public static WebSocketRoute of(WebSocketHandlerFactory factory, WebSocketOptions options) {
        return new WebSocketRoute(factory, options);
    }

    /** The route's options. */
    public WebSocketOptions options() {
        return options;
    }

    /**
     * For ranch-http's server, which calls it on the owner thread instead of {@link #handle} when this
     * route matches: checks the upgrade request. When it is refused, the refusal has been
     * answered through {@code response} (the connection stays HTTP) and the result is
     * {@code null}. When accepted, the result is the WebSocket protocol that takes over the
     * connection: the server must hand it the connection with {@link Protocol#init} (which
     * writes the {@code 101}) and then every later callback, starting with the bytes that
     * followed the request.
     *
     * @throws Exception what the factory threw; the server answers {@code 500}
     */
    public Protocol upgrade(Request request, Response response) throws Exception {
        return Handshakes.upgrade(request, response, factory, options);
    }

    /**
     * Answers {@code 500}: reached only when the route is served by something other than
     * ranch-http's server, which cannot hand the connection over.
     */
    @Override
    public void handle(Request request, Response response) {
        response.status(500).send("WebSocket routes need ranch-http's HttpServer\n");
    }
}
