package dev.ranch.http.server;

import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every rejection rule through a raw socket: the status, {@code Connection: close}, the
 * connection closed, and the server still serving a new connection afterwards.
 */
class RejectionTest {

    private static final String HOST = "Host: x\r\n";
    private static TestServer server;

    @BeforeAll
    static void start() {
        Router router = Router.builder()
                .route("/", (req, res) -> res.send("ok " + req.body().length))
                .build();
        server = TestServer.start(router, HttpOptions.builder()
                .maxRequestLine(256).maxHeaders(10).maxHeaderBytes(1024).maxBodySize(1000).build());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> rules() {
        return Stream.of(
                rule("malformed request line (two spaces)", "GET  / HTTP/1.1\r\n" + HOST + "\r\n", 400),
                rule("request target with a control character", "GET /\u0001 HTTP/1.1\r\n" + HOST + "\r\n", 400),
                rule("request line over maxRequestLine", "GET /" + "a".repeat(300) + " HTTP/1.1\r\n" + HOST + "\r\n", 414),
                rule("HTTP/2.0 request line", "GET / HTTP/2.0\r\n" + HOST + "\r\n", 505),
                rule("HTTP/1.2 request line", "GET / HTTP/1.2\r\n" + HOST + "\r\n", 505),
                rule("lower-case version", "GET / http/1.1\r\n" + HOST + "\r\n", 400),
                rule("HTTP/0.9 simple request", "GET /\r\n\r\n", 400),
                rule("asterisk-form with GET", "GET * HTTP/1.1\r\n" + HOST + "\r\n", 400),
                rule("more than maxHeaders fields", "GET / HTTP/1.1\r\n" + HOST + "A: 1\r\n".repeat(10) + "\r\n", 431),
                rule("header section over maxHeaderBytes", "GET / HTTP/1.1\r\n" + HOST + "A: " + "b".repeat(1100)
                        + "\r\n\r\n", 431),
                rule("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400),
                rule("two Host fields", "GET / HTTP/1.1\r\n" + HOST + HOST + "\r\n", 400),
                rule("whitespace between field name and colon", "GET / HTTP/1.1\r\n" + HOST + "A : b\r\n\r\n", 400),
                rule("obsolete line folding", "GET / HTTP/1.1\r\n" + HOST + "A: b\r\n c\r\n\r\n", 400),
                rule("field name that is not a token", "GET / HTTP/1.1\r\n" + HOST + "A(b: c\r\n\r\n", 400),
                rule("field line without a colon", "GET / HTTP/1.1\r\n" + HOST + "Ab\r\n\r\n", 400),
                rule("NUL in a field value", "GET / HTTP/1.1\r\n" + HOST + "A: b\u0000c\r\n\r\n", 400),
                rule("bare CR in a field value", "GET / HTTP/1.1\r\n" + HOST + "A: b\rc\r\n\r\n", 400),
                rule("bare LF ending a field line", "GET / HTTP/1.1\r\n" + HOST + "A: b\n\r\n", 400),
                rule("bare LF ending the request line", "GET / HTTP/1.1\n" + HOST + "\r\n", 400),
                rule("Content-Length and Transfer-Encoding together (smuggling)", "POST / HTTP/1.1\r\n" + HOST
                        + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
                rule("differing Content-Length values", "POST / HTTP/1.1\r\n" + HOST
                        + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
                rule("Content-Length list with differing values", "POST / HTTP/1.1\r\n" + HOST
                        + "Content-Length: 1, 2\r\n\r\nab", 400),
                rule("Content-Length that is not a number", "POST / HTTP/1.1\r\n" + HOST
                        + "Content-Length: +1\r\n\r\na", 400),
                rule("unknown transfer coding", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
                rule("chunked not the final coding", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400),
                rule("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                        400),
                rule("Content-Length over maxBodySize", "POST / HTTP/1.1\r\n" + HOST
                        + "Content-Length: 1001\r\n\r\n", 413),
                rule("chunked body over maxBodySize", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked\r\n\r\n3e9\r\n" + "a".repeat(1001) + "\r\n0\r\n\r\n", 413),
                rule("chunk size that is not hexadecimal", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked\r\n\r\nz\r\n", 400),
                rule("bare LF after a chunk size", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked\r\n\r\n1\na\r\n0\r\n\r\n", 400),
                rule("chunk data not followed by CRLF", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", 400),
                rule("quoted chunk extension spanning CRLF", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked\r\n\r\n1;a=\"b\r\n\"\r\nx\r\n0\r\n\r\n", 400),
                rule("chunk size overflow", "POST / HTTP/1.1\r\n" + HOST
                        + "Transfer-Encoding: chunked\r\n\r\n1000000000000000000\r\n", 400),
                rule("unsupported expectation", "POST / HTTP/1.1\r\n" + HOST
                        + "Expect: 200-ok\r\nContent-Length: 1\r\n\r\na", 417),
                rule("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400),
                rule("Host with userinfo", "GET / HTTP/1.1\r\nHost: user@x\r\n\r\n", 400),
                rule("Host with a port above 65535", "GET / HTTP/1.1\r\nHost: x:99999999999\r\n\r\n", 400),
                rule("Host with an unclosed IPv6 literal", "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400),
                rule("Host with a port but no host", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", 400),
                rule("invalid Host on HTTP/1.0", "GET / HTTP/1.0\r\nHost: a/b\r\n\r\n", 400),
                rule("absolute-form target with userinfo", "GET http://user:pw@x/ HTTP/1.1\r\n" + HOST + "\r\n", 400),
                rule("absolute-form target with an empty host", "GET http:///x HTTP/1.1\r\n" + HOST + "\r\n", 400),
                rule("invalid Host beside a valid absolute-form target", "GET http://x/ HTTP/1.1\r\nHost: a b\r\n\r\n",
                        400),
                rule("CONNECT target without a port", "CONNECT x HTTP/1.1\r\n" + HOST + "\r\n", 400),
                rule("chunk extension one byte over maxChunkExtensionBytes (1025 of 1024)", "POST / HTTP/1.1\r\n"
                        + HOST + "Transfer-Encoding: chunked\r\n\r\n1;" + "e".repeat(1024) + "\r\na\r\n0\r\n\r\n",
                        400));
    }

    private static Arguments rule(String name, String request, int status) {
        return Arguments.of(name, request, status);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("rules")
    void rejectsWithStatusCloseAndKeepsServing(String name, String request, int status) {
        try (RawClient client = server.connect()) {
            RawClient.Response response = client.send(request).read();
            assertEquals(status, response.status, name + ": " + response);
            assertEquals("close", response.header("connection"), name);
            assertTrue(client.isClosedByPeer(), name + ": the connection stays open");
        }
        assertServes();
    }

    @ParameterizedTest(name = "Host: {0}")
    @ValueSource(strings = {"example.com", "example.com:8080", "[::1]:80",
        "127.0.0.1", "caf%C3%A9.example", "a!$&'()*+,;=b", "EXAMPLE.COM:", ""})
    void validHostValuesAreServedOnOneKeepAliveConnection(String host) {
        try (RawClient client = server.connect()) {
            for (int i = 0; i < 2; i++) {
                RawClient.Response response = client.send("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n").read();
                assertEquals(200, response.status, host + ": " + response);
                assertEquals("ok 0", response.body());
            }
        }
    }

    @Test
    void absoluteFormAuthorityIsServedWhateverTheHostField() {
        try (RawClient client = server.connect()) {
            RawClient.Response response = client.send("GET http://[::1]:8080/?q HTTP/1.1\r\nHost: other\r\n\r\n")
                    .read();
            assertEquals(200, response.status, response.toString());
        }
    }

    @Test
    void chunkExtensionOfExactlyMaxChunkExtensionBytesIsServed() {
        try (RawClient client = server.connect()) {
            String extension = ";" + "e".repeat(1023);
            RawClient.Response response = client.send("POST / HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n\r\n"
                    + "3" + extension + "\r\nabc\r\n0\r\n\r\n").read();
            assertEquals(200, response.status, response.toString());
            assertEquals("ok 3", response.body());
        }
    }

    @Test
    void rejectionLeavesOtherOpenConnectionsUntouched() {
        try (RawClient bystander = server.connect(); RawClient attacker = server.connect()) {
            bystander.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, bystander.read().status);
            attacker.send("GET / HTTP/1.1\r\nHost: x\r\nA : b\r\n\r\n");
            assertEquals(400, attacker.read().status);
            bystander.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            assertEquals(200, bystander.read().status, "the bystander's keep-alive connection still works");
        }
    }

    @Test
    void bareLfIsAcceptedOnlyInLenientMode() {
        try (TestServer lenient = TestServer.start(Router.of((req, res) -> res.send("lenient")),
                HttpOptions.builder().allowBareLf(true).build());
             RawClient client = lenient.connect()) {
            RawClient.Response response = client.send("GET / HTTP/1.1\nHost: x\nA: b\n\n").read();
            assertEquals(200, response.status);
            assertEquals("lenient", response.body());
        }
    }

    private static void assertServes() {
        try (RawClient client = server.connect()) {
            RawClient.Response response = client.send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc").read();
            assertEquals(200, response.status);
            assertEquals("ok 3", response.body());
        }
    }
}
