package dev.ranch.http.server;

import dev.ranch.core.ProtocolFactory;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.transport.Transports;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Entry point of ranch-http: an HTTP/1.1 server is a ranch listener whose protocol is made
 * here. Several listeners, on several ports, each with its own router, may share one
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
        return protocol(router, options, new BodyBudget(options.maxBufferedBodyBytes()));
    }

    /** A protocol factory whose connections share {@code budget}; tests read the budget. */
    static ProtocolFactory protocol(Router router, HttpOptions options, BodyBudget budget) {
        Objects.requireNonNull(router, "router");
        Objects.requireNonNull(options, "options");
        byte[] serverLine = options.serverHeader() == null ? null
                : ("Server: " + options.serverHeader() + "\r\n").getBytes(StandardCharsets.US_ASCII);
        return connection -> new HttpConnection(router, options, serverLine, budget);
    }

    /**
     * Starts an HTTPS listener named {@code name} on {@code ranch}: the same router over TLS.
     * When {@code tls} offers no ALPN protocol, {@code http/1.1} is offered (RFC 7301 §3.1),
     * so clients that ask for h2 fall back cleanly. Renew its certificate with
     * {@link Listener#updateTls}.
     */
    public static Listener startTls(Ranch ranch, String name, ListenerOptions listenerOptions, TlsOptions tls,
                                    Router router, HttpOptions options) {
        TlsOptions offered = tls.applicationProtocols().isEmpty()
                ? tls.toBuilder().applicationProtocols("http/1.1").build() : tls;
        return ranch.startListener(name, Transports.tls(offered), listenerOptions, protocol(router, options));
    }

    /** Starts a plain-TCP HTTP listener named {@code name} on {@code ranch}. */
    public static Listener start(Ranch ranch, String name, ListenerOptions listenerOptions, Router router,
                                 HttpOptions options) {
        return ranch.startListener(name, Transports.tcp(), listenerOptions, protocol(router, options));
    }
}
