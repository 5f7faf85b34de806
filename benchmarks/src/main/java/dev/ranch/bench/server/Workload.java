package dev.ranch.bench.server;

/**
 * What a benchmark server does with its connections. Each {@link ServerKind} implements every
 * workload the same way, so a pair measures the networking stack and not the application.
 *
 * <p>To add a workload: add a constant here, implement it in {@link RanchServers} and
 * {@link NettyServers}, and it becomes a {@code BenchServer} mode ({@code ranch-http},
 * {@code netty-http}) at once.
 */
public enum Workload {
    /** Writes back every byte it reads, as it reads it. */
    ECHO("echo"),
    /**
     * HTTP/1.1 hello world: every {@code GET} answers {@code 200}, {@code Content-Type:
     * text/plain}, {@code Hello, World!}, keeping the connection open. The ranch side also
     * serves {@code POST /echo} (the body back with its Content-Type) and {@code GET /error}
     * (the handler throws; 500).
     */
    HTTP("http"),
    /**
     * The line chat: {@code JOIN room}, then every line goes to the room's other members. The
     * ranch side is ranch-chat-example's {@code ChatServer}; the Netty side a small equivalent.
     */
    CHAT("chat"),
    /**
     * {@link #ECHO} inside TLS: the server presents the {@link LoopbackCertificate} and offers
     * TLS 1.3 and 1.2 through the JDK's {@code SSLEngine} (ranch's TLS transport; Netty's
     * {@code SslHandler} with {@code SslProvider.JDK}).
     */
    TLS_ECHO("tls-echo"),
    /** {@link #HTTP}'s hello world inside TLS, as {@link #TLS_ECHO}, offering {@code http/1.1} by ALPN. */
    HTTPS_HELLO("https-hello"),
    /**
     * WebSocket echo at {@code /ws}: the upgrade ({@code GET /ws}), then every text or binary
     * message goes back as it came; pings are answered, a close is answered with one close.
     */
    WS_ECHO("ws-echo"),
    /**
     * {@link #HTTP}'s hello world over HTTP/2 in cleartext with prior knowledge (h2c: the client
     * starts with the connection preface, no {@code Upgrade}), as {@code h2load} and
     * {@code curl --http2-prior-knowledge} speak it: every {@code GET} stream answers
     * {@code 200}, {@code text/plain}, {@code Hello, World!}. Both sides allow 100 concurrent
     * streams per connection, ranch-http's default.
     */
    H2C("h2c");

    private final String id;

    Workload(String id) {
        this.id = id;
    }

    /** The workload's part of a mode name: {@code echo} in {@code ranch-echo}. */
    public String id() {
        return id;
    }
}
