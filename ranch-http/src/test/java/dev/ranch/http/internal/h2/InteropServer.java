package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Bytes;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestCertificates;
import dev.ranch.core.transport.tls.TlsOptions;
import dev.ranch.http.Headers;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the HTTP/2 interop tests talk to: one router on two listeners of a test's ranch, h2c
 * with prior knowledge on a plain one and h2 by ALPN on {@link HttpServer#startTls} (the test
 * CA's {@code localhost} certificate), each with ranch-http's default options. Routes:
 * <ul>
 *   <li>{@code GET /version}: {@code version N}, N being {@code Request.version()};</li>
 *   <li>{@code POST /echo}: the body back, with its Content-Type;</li>
 *   <li>{@code GET /large}: {@link #LARGE} bytes of seeded noise, far beyond every initial
 *       flow-control window, so only WINDOW_UPDATEs let it through ({@link #largeSha256()});</li>
 *   <li>{@code POST /trailers}: the request's trailer fields as {@code name: value} lines,
 *       sorted, then {@code body N} (its length);</li>
 *   <li>{@code GET /streamed-trailers}: {@link #STREAMED_LINES} text lines written one by one
 *       (beyond the initial window), then the trailers {@code x-checksum} (SHA-256 of the body,
 *       {@link #streamedSha256()}) and {@code x-lines};</li>
 *   <li>{@code GET /together?n=N}: held until N such requests wait on the server at once,
 *       then each answered with {@code together on connection ID} (the ranch connection that
 *       carried it). Served only if N streams really run side by side (else each gets a 503
 *       after {@code responseTimeout}); clients assert they all shared one connection.</li>
 * </ul>
 */
final class InteropServer {

    /** Size of the {@code /large} body: 8 MiB. */
    static final int LARGE = 8 << 20;

    private static final byte[] LARGE_BODY = Bytes.random(LARGE, 8);

    /** Lines of the {@code /streamed-trailers} body, 1,500 of 64 bytes: 96,000 bytes. */
    static final int STREAMED_LINES = 1500;

    private final Listener h2c;
    private final Listener h2;
    private final List<Waiting> waiting = new ArrayList<>();

    private InteropServer(Ranch ranch) {
        Router router = Router.builder()
                .get("/version", (req, res) -> res.send("version " + req.version()))
                .post("/echo", (req, res) -> {
                    String type = req.header("Content-Type");
                    res.header("Content-Type", type == null ? "application/octet-stream" : type).send(req.body());
                })
                .get("/large", (req, res) -> res.header("Content-Type", "application/octet-stream").send(LARGE_BODY))
                .post("/trailers", (req, res) -> res.send(describe(req.trailers()) + "body " + req.body().length + "\n"))
                .get("/streamed-trailers", (req, res) -> {
                    res.header("Content-Type", "text/plain").startChunked();
                    for (int i = 0; i < STREAMED_LINES; i++) {
                        res.write(streamedLine(i));
                    }
                    res.trailer("x-checksum", streamedSha256()).trailer("x-lines", Integer.toString(STREAMED_LINES));
                    res.end();
                })
                .get("/together", (req, res) -> together(Integer.parseInt(req.queryParam("n")), req.connectionId(), res))
                .build();
        h2c = HttpServer.start(ranch, "interop-h2c", Loopback.options().build(), router, HttpOptions.DEFAULTS);
        h2 = HttpServer.startTls(ranch, "interop-h2", Loopback.options().build(),
                TlsOptions.builder(TestCertificates.get().serverContext()).build(), router, HttpOptions.DEFAULTS);
    }

    /** Starts both listeners on {@code ranch}; they stop with it. */
    static InteropServer start(Ranch ranch) {
        return new InteropServer(ranch);
    }

    /** {@code http://127.0.0.1:PORT} of the plain listener: h2c with prior knowledge. */
    String h2cOrigin() {
        return "http://127.0.0.1:" + h2c.port();
    }

    /** {@code https://localhost:PORT} of the TLS listener (the certificate's name; IPv4 loopback). */
    String h2Origin() {
        return "https://localhost:" + h2.port();
    }

    /** The TLS listener's port. */
    int h2Port() {
        return h2.port();
    }

    /** SHA-256 of the {@code /large} body, in lower-case hex. */
    static String largeSha256() {
        return sha256(LARGE_BODY);
    }

    /** SHA-256 of the whole {@code /streamed-trailers} body, in lower-case hex. */
    static String streamedSha256() {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < STREAMED_LINES; i++) {
            body.append(streamedLine(i));
        }
        return sha256(body.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static String streamedLine(int i) {
        return String.format(Locale.ROOT, "line %058d\n", i);
    }

    /** SHA-256 of {@code bytes}, in lower-case hex. */
    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }

    private void together(int n, long connectionId, Response response) {
        response.async();
        List<Waiting> released;
        synchronized (waiting) {
            waiting.add(new Waiting(response, connectionId));
            if (waiting.size() < n) {
                return;
            }
            released = List.copyOf(waiting);
            waiting.clear();
        }
        // Any thread may answer: this is the one whose request completed the group.
        for (Waiting w : released) {
            w.response().send("together on connection " + w.connectionId() + "\n");
        }
    }

    /** A held {@code /together} response and the connection its request came on. */
    private record Waiting(Response response, long connectionId) {}

    private static String describe(Headers trailers) {
        Map<String, String> sorted = new TreeMap<>();
        for (int i = 0; i < trailers.size(); i++) {
            sorted.merge(trailers.name(i).toLowerCase(Locale.ROOT), trailers.value(i), (a, b) -> a + "," + b);
        }
        StringBuilder text = new StringBuilder();
        sorted.forEach((name, value) -> text.append(name).append(": ").append(value).append('\n'));
        return text.toString();
    }
}
