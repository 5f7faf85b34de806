package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.http.HttpHandler;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/**
 * A server for h2spec and manual interop runs: h2c with prior knowledge on the first port
 * given, h2 over TLS (ALPN) on the second. {@code GET /} answers a short text, {@code POST}
 * echoes; both ports also speak HTTP/1.1. Runs until killed.
 */
public final class H2SpecServer {

    private H2SpecServer() {}

    /** The router h2spec's requests reach: every path answers, bodies are echoed. */
    public static Router router() {
        HttpHandler answer = (req, res) -> res.header("content-type", "text/plain")
                .send(req.body().length > 0 ? req.body() : "Hello, World!".getBytes(StandardCharsets.UTF_8));
        return Router.builder().route("/", answer).route("/[...]", answer).build();
    }

    public static void main(String[] args) throws InterruptedException {
        int plain = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
        int tls = args.length > 1 ? Integer.parseInt(args[1]) : 8443;
        Ranch ranch = Ranch.create();
        ListenerOptions.Builder options = ListenerOptions.builder().bindAddress(InetAddress.getLoopbackAddress());
        HttpServer.start(ranch, "h2c", options.port(plain).build(), router(), HttpOptions.DEFAULTS);
        HttpServer.startTls(ranch, "h2", options.port(tls).build(),
                TlsOptions.builder(TestCertificates.get().serverContext()).build(), router(), HttpOptions.DEFAULTS);
        System.out.println("h2c on " + plain + ", h2 on " + tls);
        new CountDownLatch(1).await();
    }
}
