package dev.ranch.http.internal.h2;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.internal.server.BodyBudget;

import java.util.Objects;

/**
 * The HTTP/2 side of one HTTP server (RFC 9113): what its connections share (router, options,
 * the body budget it shares with HTTP/1.1), and the hand-over of a connection that has chosen
 * HTTP/2, by ALPN or by sending the h2c preface. {@code HttpServer} makes one per protocol
 * factory; applications do not use it directly.
 */
public final class Http2Server {

    private final HttpOptions options;
    private final Exchanges.Shared shared;

    /** The HTTP/2 side of a server serving {@code router} with {@code options}, within {@code budget}. */
    public Http2Server(Router router, HttpOptions options, BodyBudget budget) {
        this.options = Objects.requireNonNull(options, "options");
        this.shared = new Exchanges.Shared(Objects.requireNonNull(router, "router"),
                Objects.requireNonNull(budget, "budget"));
    }

    /**
     * Takes over {@code connection}, whose transport handshake is done: sends the server's
     * SETTINGS at once (RFC 9113 §3.4) and returns the protocol that must receive every later
     * callback of the connection, starting with the bytes read so far (the client's preface
     * included). Owner thread of the connection.
     */
    public Protocol takeOver(Connection connection) {
        Http2Connection h2 = new Http2Connection(connection, options, shared);
        h2.start();
        return h2;
    }
}
