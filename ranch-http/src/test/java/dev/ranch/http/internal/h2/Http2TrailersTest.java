package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.ranch.http.internal.h2.FrameType.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code Response.trailer} over HTTP/2: a final HEADERS frame with END_STREAM after the DATA (RFC 9113 §8.1). */
class Http2TrailersTest {

    private static final int BODY = 5000;

    @TestRanch
    Ranch ranch;

    private int start() {
        Router router = Router.builder()
                .get("/streamed", (req, res) -> {
                    res.startChunked();
                    res.write(new byte[BODY]);
                    res.trailer("X-Checksum", "abc123").trailer("Grpc-Status", "0");
                    res.end();
                })
                .get("/small", (req, res) -> res.header("Content-Type", "text/x-small").send("small"))
                .build();
        return HttpServer.start(ranch, "h2-trailers", Loopback.options().build(), router, HttpOptions.DEFAULTS).port();
    }

    @Test
    void trailersWaitForTheDataHeldByFlowControlThenEndTheStream() {
        // SETTINGS_INITIAL_WINDOW_SIZE 1000: most of the body waits in the stream's queue with the trailers behind it.
        try (FrameClient c = FrameClient.handshake(start(), 0x4, 1000)) {
            c.autoWindow = false;
            c.get(1, "/streamed");
            List<FrameClient.Frame> frames = new ArrayList<>();
            int data = 0;
            while (data < 1000) {
                FrameClient.Frame f = c.expect(x -> x.stream == 1);
                frames.add(f);
                data += f.type == DATA ? f.payload.length : 0;
            }
            // Another stream's head is encoded and sent while the trailers wait: the client's HPACK
            // table must still decode both, which it would not if the trailers had been encoded early.
            c.get(3, "/small");
            FrameClient.Response small = c.response(3);
            assertEquals("text/x-small", small.headers.get("content-type"));
            assertEquals("small", small.bodyText());

            c.windowUpdate(1, BODY);
            FrameClient.Frame f;
            do {
                f = c.expect(x -> x.stream == 1);
                frames.add(f);
            } while (!f.has(FLAG_END_STREAM));

            FrameClient.Frame head = frames.get(0);
            assertEquals(HEADERS, head.type);
            assertEquals("200", head.fields.get(":status"));
            assertFalse(head.has(FLAG_END_STREAM));
            List<FrameClient.Frame> body = frames.subList(1, frames.size() - 1);
            assertTrue(body.stream().allMatch(x -> x.type == DATA && !x.has(FLAG_END_STREAM)), body.toString());
            assertEquals(BODY, body.stream().mapToInt(x -> x.payload.length).sum());
            FrameClient.Frame trailers = frames.get(frames.size() - 1);
            assertEquals(HEADERS, trailers.type);
            assertTrue(trailers.has(FLAG_END_HEADERS));
            assertEquals(Map.of("x-checksum", "abc123", "grpc-status", "0"), trailers.fields);
        }
    }

    @Test
    void aHeadRequestGetsNeitherBodyNorTrailers() {
        try (FrameClient c = FrameClient.handshake(start())) {
            c.request(1, "HEAD", "/streamed", true);
            List<FrameClient.Frame> frames = new ArrayList<>();
            FrameClient.Frame f;
            do {
                f = c.expect(x -> x.stream == 1);
                frames.add(f);
            } while (!f.has(FLAG_END_STREAM));

            assertEquals(HEADERS, frames.get(0).type);
            assertEquals(2, frames.size(), frames.toString());
            assertEquals(DATA, frames.get(1).type);
            assertEquals(0, frames.get(1).payload.length);
        }
    }
}
