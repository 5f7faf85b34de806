package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.http.Http2Options;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static dev.ranch.http.internal.h2.FrameType.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Flow control both ways (RFC 9113 §6.9), at the connection and on each stream. */
class FlowControlTest {

    private static final byte[] BIG = new byte[200_000];

    @TestRanch
    Ranch ranch;

    private int start(Http2Options h2) {
        Router router = Router.builder()
                .get("/big", (req, res) -> res.send(BIG))
                .get("/small", (req, res) -> res.send("small"))
                .post("/sink", (req, res) -> res.send("took " + req.body().length))
                .build();
        return HttpServer.start(ranch, "h2", Loopback.options().build(), router,
                HttpOptions.builder().http2(h2).build()).port();
    }

    private int start() {
        return start(Http2Options.DEFAULTS);
    }

    /** Reads DATA of {@code stream} without acknowledging it, until {@code bytes} have come or nothing more does. */
    private static int readUnacknowledged(FrameClient c, int stream, int bytes) {
        int got = 0;
        while (got < bytes) {
            FrameClient.Frame f = c.expect(x -> x.type == DATA || x.type == RST_STREAM || x.type == GOAWAY);
            if (f.type != DATA) {
                break;
            }
            if (f.stream == stream) {
                got += f.payload.length;
            }
        }
        return got;
    }

    @Test
    void theServerSendsNoMoreThanTheStreamWindowAndGoesOnWhenItOpens() {
        try (FrameClient c = FrameClient.handshake(start(), 0x4, 1000)) {
            c.get(1, "/big");
            assertEquals(1000, readUnacknowledged(c, 1, 1000));
            // Nothing more until the window opens: a PING's answer comes first.
            c.ping(9);
            FrameClient.Frame next = c.expect(f -> f.type == DATA || f.type == PING);
            assertEquals(PING, next.type);
            c.windowUpdate(1, 500);
            assertEquals(500, readUnacknowledged(c, 1, 500));
        }
    }

    @Test
    void theConnectionWindowBoundsAllStreamsTogether() {
        try (FrameClient c = FrameClient.handshake(start(), 0x4, 1_000_000)) {
            c.autoWindow = false;
            c.get(1, "/big");
            // The connection's window is 65,535 until the client opens it: the rest waits.
            assertEquals(65_535, readUnacknowledged(c, 1, 65_535));
            c.ping(1);
            assertEquals(PING, c.expect(f -> f.type == DATA || f.type == PING).type);
            c.windowUpdate(0, 1_000_000);
            assertEquals(BIG.length - 65_535, readUnacknowledged(c, 1, BIG.length - 65_535));
        }
    }

    @Test
    void aSettingsChangeMovesTheWindowsOfOpenStreams() {
        try (FrameClient c = FrameClient.handshake(start(), 0x4, 100)) {
            c.windowUpdate(0, 1_000_000);
            c.get(1, "/big");
            assertEquals(100, readUnacknowledged(c, 1, 100));
            c.settings(0x4, 300);  // §6.9.2: the open stream gains the difference, 200 bytes
            assertEquals(200, readUnacknowledged(c, 1, 200));
            c.ping(2);
            assertEquals(PING, c.expect(f -> f.type == DATA || f.type == PING).type);
        }
    }

    @Test
    void aStalledStreamDoesNotHoldUpAnother() {
        try (FrameClient c = FrameClient.handshake(start(), 0x4, 1000)) {
            c.windowUpdate(0, 1_000_000);
            c.get(1, "/big");
            c.get(3, "/small");
            FrameClient.Response small = c.response(3);
            assertEquals("small", small.bodyText());
        }
    }

    @Test
    void aWindowPushedPastTheLimitIsAFlowControlError() {
        try (FrameClient c = FrameClient.handshake(start())) {
            c.windowUpdate(0, Integer.MAX_VALUE);  // 65,535 + 2^31-1 passes 2^31-1 (§6.9.1)
            FrameClient.Frame goAway = c.goAway();
            assertNotNull(goAway);
            assertEquals(ErrorCode.FLOW_CONTROL_ERROR, goAway.errorCode());
        }
    }

    @Test
    void aBodyLargerThanTheStreamWindowIsAcknowledgedAsItIsTaken() {
        int window = 65_535;
        try (FrameClient c = FrameClient.handshake(start(Http2Options.builder().initialWindowSize(window)
                .connectionWindowSize(window).build()))) {
            c.request(1, "POST", "/sink", false);
            int sent = 0;
            int acknowledged = 0;
            byte[] piece = new byte[16_000];
            // Send more than one window: the server must give credit back as it buffers the body.
            while (sent < 3 * window) {
                if (sent + piece.length - acknowledged > window) {
                    FrameClient.Frame update = c.expect(f -> f.type == WINDOW_UPDATE && f.stream == 1);
                    acknowledged += ByteBuffer.wrap(update.payload).getInt();
                    continue;
                }
                c.data(1, piece, false);
                sent += piece.length;
            }
            c.data(1, new byte[0], true);
            assertEquals("took " + sent, c.response(1).bodyText());
            assertTrue(acknowledged > window, "acknowledged " + acknowledged);
        }
    }
}
