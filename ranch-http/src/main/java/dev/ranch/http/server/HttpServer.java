package dev.ranch.http.server;

import dev.ranch.http.internal.server.BodyBudget;
import dev.ranch.http.internal.server.ProtocolChoice;
import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;

import java.util.Objects;

/**
 * Entry point of ranch-http: an HTTP server is a ranch listener whose protocol is made
 * here. Each connection speaks HTTP/1.1 or HTTP/2: h2 by ALPN over TLS, h2c with prior
 * knowledge on plain TCP. Several listeners, on several ports, each with its own router, may share one
 * {@link Ranch}.
 *
 * <pre>{@code
 * try (Ranch ranch = Ranch.create()) {
 *     Router router = Router.builder().get("/hello/:name",
 *             (req, res) -> res.send("hello " + req.binding("name"))).build();
 *     Listener web = HttpServer.start(ranch, "web",
 *             ListenerOptions.builder().port(8080).build(), router, HttpOptions.DEFAULTS);
 * }
 * }</pre>
 */
public final class HttpServer {

    private HttpServer() {}

    /**
     * A protocol factory serving {@code router} with {@code options}, for {@link
     * Ranch#startListener}. Its connections share one budget of {@link
     * HttpOptions#maxBufferedBodyBytes()}: a factory used by several listeners gives them
     * one budget together.
     */
    public static ProtocolFactory protocol(Router router, HttpOptions options) {
        Objects.requireNonNull(options, "options");
        return ProtocolChoice.factory(router, options, new BodyBudget(options.maxBufferedBodyBytes()));
    }


    /**
     * Starts an HTTPS listener named {@code name} on {@code ranch}: the same router over TLS.
     * When {@code tls} offers no ALPN protocol, {@code h2} then {@code http/1.1} are offered
     * (RFC 7301 §3.1, RFC 9113 §3.2), so a client that speaks HTTP/2 gets it and the others
     * HTTP/1.1; a list the caller gives is kept as it is. Renew its certificate with
     * {@link Listener#updateTls}.
     */
    public static Listener startTls(Ranch ranch, String name, ListenerOptions listenerOptions, TlsOptions tls,
                                    Router router, HttpOptions options) {
        TlsOptions offered = tls.applicationProtocols().isEmpty()
                ? tls.toBuilder().applicationProtocols("h2", "http/1.1").build() : tls;
        return ranch.startListener(name, Transports.tls(offered), listenerOptions, protocol(router, options));
    }

    /** Starts a plain-TCP HTTP listener named {@code name} on {@code ranch}. */
    public static Listener start(Ranch ranch, String name, ListenerOptions listenerOptions, Router router,
                                 HttpOptions options) {
        return ranch.startListener(name, Transports.tcp(), listenerOptions, protocol(router, options));
    }
}
