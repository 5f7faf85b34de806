package dev.ranch.http.server;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Response#trailer}: the trailer section of HTTP/1.1 chunked responses, seen on a raw socket. */
class ResponseTrailersTest {

    @TestRanch
    Ranch ranch;

    private final ExecutorService executor = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopExecutor() {
        executor.shutdownNow();
    }

    private int start() {
        Router router = Router.builder()
                .get("/streamed", (req, res) -> {
                    // From another thread, as a handler producing its body elsewhere would.
                    res.async();
                    executor.execute(() -> {
                        res.trailer("X-Checksum", "abc123");
                        res.startChunked();
                        res.write("one ");
                        res.write("two");
                        res.trailer("Grpc-Status", "0");
                        res.end();
                    });
                })
                .get("/whole", (req, res) -> res.trailer("X-Checksum", "abc123").send("whole"))
                .get("/refused", (req, res) -> res.send(refusals(res)))
                .build();
        Listener listener = HttpServer.start(ranch, "trailers", Loopback.options().build(), router, HttpOptions.DEFAULTS);
        return listener.port();
    }

    private static String refusals(Response res) {
        StringBuilder refused = new StringBuilder();
        for (String name : new String[] {"Content-Length", "Transfer-Encoding", "Host", "Content-Type",
                "Authorization", "Set-Cookie", "Trailer", "Connection", "Bad Name"}) {
            try {
                res.trailer(name, "x");
            } catch (IllegalArgumentException e) {
                refused.append(name).append(';');
            }
        }
        return refused.toString();
    }

    @Test
    void aChunkedResponseEndsWithItsTrailerSectionAndTheConnectionCarriesOn() {
        try (RawClient c = RawClient.connect(start())) {
            c.send("GET /streamed HTTP/1.1\r\nHost: x\r\n\r\nGET /whole HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            String wire = c.readUntilClosed();

            // RFC 9112 section 7.1.2: the last chunk, the fields in call order, then the empty line.
            assertTrue(wire.contains("Transfer-Encoding: chunked\r\n"), wire);
            assertTrue(wire.contains("\r\n4\r\none \r\n3\r\ntwo\r\n0\r\nX-Checksum: abc123\r\nGrpc-Status: 0\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\n"), wire);
        }
    }

    @Test
    void aWholeResponseHasNoPlaceForTrailersAndDropsThem() {
        try (RawClient c = RawClient.connect(start())) {
            c.send("GET /whole HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

            String wire = c.readUntilClosed();

            assertTrue(wire.contains("Content-Length: 5\r\n"), wire);
            assertTrue(wire.endsWith("\r\n\r\nwhole"), wire);
            assertFalse(wire.contains("abc123"), wire);
        }
    }

    @Test
    void anHttp10StreamEndsWithTheConnectionAndDropsTrailers() {
        try (RawClient c = RawClient.connect(start())) {
            c.send("GET /streamed HTTP/1.0\r\n\r\n");

            String wire = c.readUntilClosed();

            assertTrue(wire.startsWith("HTTP/1.1 200 OK\r\n"), wire);
            assertTrue(wire.endsWith("\r\n\r\none two"), wire);
            assertFalse(wire.contains("abc123"), wire);
        }
    }

    @Test
    void fieldsThatMustPrecedeTheContentAreRefusedAsTrailers() {
        try (RawClient c = RawClient.connect(start())) {
            c.send("GET /refused HTTP/1.1\r\nHost: x\r\n\r\n");

            RawClient.Response r = c.read();

            assertEquals(200, r.status);
            assertEquals("Content-Length;Transfer-Encoding;Host;Content-Type;Authorization;Set-Cookie;Trailer;"
                    + "Connection;Bad Name;", r.body());
        }
    }
}
