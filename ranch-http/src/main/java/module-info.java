/**
 * ranch-http: an HTTP/1.1, HTTP/2 and WebSocket server as a ranch-core
 * {@link dev.ranch.core.Protocol}, with a router and a static-file handler. Start with
 * {@link dev.ranch.http.server.HttpServer}.
 *
 * <p>Only the API packages are exported; the parser, the connection state machines, HTTP/2,
 * HPACK and the WebSocket framing live in {@code dev.ranch.http.internal.*}.
 */
module dev.ranch.http {
    // Handlers, options and HttpServer name ranch-core's types (Ranch, Listener, Connection...).
    requires transitive dev.ranch.core;
    requires org.slf4j;

    exports dev.ranch.http;
    exports dev.ranch.http.files;
    exports dev.ranch.http.router;
    exports dev.ranch.http.server;
    exports dev.ranch.http.websocket;
}
