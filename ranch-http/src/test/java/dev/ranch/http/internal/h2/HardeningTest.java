package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.ConnectionInfo;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.Patience;
import dev.ranch.core.test.TestRanch;
import dev.ranch.http.Http2Options;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ranch.http.internal.h2.FrameType.*;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The known HTTP/2 attacks, each by raw frames over a real socket, against the budget of
 * {@link Http2Options} that bounds it: the server ends the abuse with the error RFC 9113
 * names (or the one the budget promises) and stays up for the next client.
 */
class HardeningTest {

    private static final byte[] BIG = new byte[100_000];

    @TestRanch
    Ranch ranch;

    private int start(Http2Options h2) {
        Router router = Router.builder()
                .get("/", (req, res) -> res.send("ok"))
                .get("/big", (req, res) -> res.send(BIG))
                .get("/slow", (req, res) -> res.async())
                .post("/upload", (req, res) -> res.send("took " + req.body().length))
                .build();
        return HttpServer.start(ranch, "h2", Loopback.options().build(), router,
                HttpOptions.builder().http2(h2).build()).port();
    }

    /** The server still serves a new client: the abuse cost one connection. */
    private static void stillServes(int port) {
        try (FrameClient c = FrameClient.handshake(port)) {
            c.get(1, "/");
            assertEquals("ok", c.response(1).bodyText());
        }
    }

    private static void assertGoAway(FrameClient c, int code) {
        assertGoAway(c, code, -1);
    }

    /**
     * Reads until GOAWAY with {@code code} and the close; returns the GOAWAY, with how many
     * frames of type {@code counted} came before it in {@link #counted}.
     */
    private static FrameClient.Frame assertGoAway(FrameClient c, int code, int countedType) {
        counted = 0;
        FrameClient.Frame goAway;
        while (true) {
            goAway = c.next();
            if (goAway == null || goAway.type == GOAWAY) {
                break;
            }
            if (goAway.type == countedType) {
                counted++;
            }
        }
        assertNotNull(goAway, "the server closed without GOAWAY");
        assertEquals(ErrorCode.name(code), ErrorCode.name(goAway.errorCode()));
        assertTrue(c.closedByServer(), "the connection stays open after GOAWAY");
        return goAway;
    }

    /** Frames of the counted type before the last GOAWAY read. */
    private static int counted;

    /** One line per attack with what the test measured, for docs/reliability.md. */
    private static void figure(String format, Object... args) {
        System.out.printf("HTTP/2 hardening: " + format + "%n", args);
    }

    @Test
    void rapidResetIsCutWithEnhanceYourCalm() {
        int port = start(Http2Options.builder().maxResets(50).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int id = 1; id < 2 * 200; id += 2) {
                // CVE-2023-44487: open a stream and cancel it at once, again and again.
                burst.writeBytes(FrameClient.bytes(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, id,
                        c.encode(":method", "GET", ":scheme", "http", ":path", "/slow", ":authority", "x")));
                burst.writeBytes(FrameClient.bytes(RST_STREAM, 0, id, new byte[] {0, 0, 0, 8}));
            }
            long start = System.nanoTime();
            c.socket().write(burst.toByteArray());
            FrameClient.Frame goAway = assertGoAway(c, ErrorCode.ENHANCE_YOUR_CALM, RST_STREAM);
            figure("rapid reset: 200 streams opened and cancelled in one burst, maxResets 50: GOAWAY"
                    + " ENHANCE_YOUR_CALM after stream %d (%d streams), %d RST_STREAM from the server, %d ms",
                    goAway.lastStreamId(), (goAway.lastStreamId() + 1) / 2, counted,
                    (System.nanoTime() - start) / 1_000_000);
            assertTrue(goAway.lastStreamId() < 2 * 52, "cut after about maxResets streams: " + goAway.lastStreamId());
        }
        stillServes(port);
    }

    @Test
    void aContinuationFloodIsCutByTheFrameCount() {
        int port = start(Http2Options.builder().maxContinuationFrames(8).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            // CVE-2024-27316 class: a header block that never ends, in empty CONTINUATION frames.
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            burst.writeBytes(FrameClient.bytes(HEADERS, 0, 1,
                    c.encode(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x")));
            for (int i = 0; i < 100; i++) {
                burst.writeBytes(FrameClient.bytes(CONTINUATION, 0, 1, new byte[0]));
            }
            c.socket().write(burst.toByteArray());
            assertGoAway(c, ErrorCode.ENHANCE_YOUR_CALM);
        }
        stillServes(port);
    }

    @Test
    void aContinuationFloodIsCutByTheBlockBytes() {
        int port = start(Http2Options.builder().maxHeaderBlockBytes(4096).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            burst.writeBytes(FrameClient.bytes(HEADERS, 0, 1,
                    c.encode(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x")));
            for (int i = 0; i < 6; i++) {
                burst.writeBytes(FrameClient.bytes(CONTINUATION, 0, 1, new byte[1000]));
            }
            c.socket().write(burst.toByteArray());
            assertGoAway(c, ErrorCode.ENHANCE_YOUR_CALM);
        }
        stillServes(port);
    }

    @Test
    void aPingFloodIsCutWithEnhanceYourCalm() {
        int port = start(Http2Options.builder().maxEmptyFrames(100).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 500; i++) {
                burst.writeBytes(FrameClient.bytes(PING, 0, 0, new byte[8]));
            }
            c.socket().write(burst.toByteArray());
            assertGoAway(c, ErrorCode.ENHANCE_YOUR_CALM, PING);
            figure("PING flood: 500 PINGs in one burst, maxEmptyFrames 100: %d answered, then GOAWAY"
                    + " ENHANCE_YOUR_CALM", counted);
            assertTrue(counted <= 100, "answered " + counted);
        }
        stillServes(port);
    }

    @Test
    void aSettingsFloodIsCutWithEnhanceYourCalm() {
        int port = start(Http2Options.builder().maxEmptyFrames(100).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 500; i++) {
                burst.writeBytes(FrameClient.bytes(SETTINGS, 0, 0, new byte[] {0, 4, 0, 0, 0x10, 0}));
            }
            c.socket().write(burst.toByteArray());
            assertGoAway(c, ErrorCode.ENHANCE_YOUR_CALM, SETTINGS);
            figure("SETTINGS flood: 500 SETTINGS in one burst, maxEmptyFrames 100: %d acknowledged, then GOAWAY"
                    + " ENHANCE_YOUR_CALM", counted);
            assertTrue(counted <= 100, "acknowledged " + counted);
        }
        stillServes(port);
    }

    @Test
    void anEmptyDataFloodIsCutWithEnhanceYourCalm() {
        int port = start(Http2Options.builder().maxEmptyFrames(100).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            c.request(1, "POST", "/upload", false);
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int i = 0; i < 500; i++) {
                burst.writeBytes(FrameClient.bytes(DATA, 0, 1, new byte[0]));
            }
            c.socket().write(burst.toByteArray());
            assertGoAway(c, ErrorCode.ENHANCE_YOUR_CALM);
        }
        stillServes(port);
    }

    @Test
    void zeroWindowUpdatesResetTheirStreamsAndCountAsResets() {
        int port = start(Http2Options.builder().maxResets(20).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            for (int id = 1; id < 200; id += 2) {
                burst.writeBytes(FrameClient.bytes(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, id,
                        c.encode(":method", "GET", ":scheme", "http", ":path", "/slow", ":authority", "x")));
                burst.writeBytes(FrameClient.bytes(WINDOW_UPDATE, 0, id, new byte[4]));  // §6.9: stream error
            }
            c.socket().write(burst.toByteArray());
            assertGoAway(c, ErrorCode.ENHANCE_YOUR_CALM);
        }
        stillServes(port);
    }

    @Test
    void aStreamStuckAtWindowZeroIsResetThenTheConnectionGoes() {
        int port = start(Http2Options.builder().windowStallTimeout(Duration.ofMillis(300)).build());
        try (FrameClient c = FrameClient.handshake(port, 0x4, 0)) {
            c.autoWindow = false;
            long start = System.nanoTime();
            c.get(1, "/big");  // the stream window is 0: not one byte may go
            FrameClient.Frame reset = c.expect(f -> f.type == RST_STREAM);
            assertEquals(ErrorCode.CANCEL, reset.errorCode());
            figure("zero stream window, windowStallTimeout 300 ms: RST_STREAM CANCEL after %d ms",
                    (System.nanoTime() - start) / 1_000_000);
        }
        try (FrameClient c = FrameClient.handshake(port)) {
            c.autoWindow = false;
            long start = System.nanoTime();
            c.get(1, "/big");  // takes the connection's 65,535 and then waits for ever
            assertGoAway(c, ErrorCode.ENHANCE_YOUR_CALM);
            figure("connection window exhausted, windowStallTimeout 300 ms: GOAWAY ENHANCE_YOUR_CALM after %d ms",
                    (System.nanoTime() - start) / 1_000_000);
        }
        stillServes(port);
    }

    @Test
    void theLastClientStreamIdIsServedAndNoMoreAreTaken() {
        int port = start(Http2Options.DEFAULTS);
        try (FrameClient c = FrameClient.handshake(port)) {
            c.get(Integer.MAX_VALUE, "/");
            FrameClient.Frame goAway = c.expect(f -> f.type == GOAWAY);
            assertEquals(ErrorCode.NO_ERROR, goAway.errorCode());
            assertEquals(Integer.MAX_VALUE, goAway.lastStreamId());
            assertEquals("ok", c.response(Integer.MAX_VALUE).bodyText());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aHugeHeaderTableSizeFromTheClientDoesNotGrowTheServersTable() {
        int port = start(Http2Options.DEFAULTS);
        try (FrameClient c = FrameClient.handshake(port, 0x1, Integer.MAX_VALUE)) {
            for (int id = 1; id < 40; id += 2) {
                c.request(id, "GET", "/", true);
                assertEquals("ok", c.response(id).bodyText());
            }
        }
    }

    @Test
    void aTableSizeUpdateAboveOurSettingIsACompressionError() {
        int port = start(Http2Options.DEFAULTS);
        try (FrameClient c = FrameClient.handshake(port)) {
            // RFC 7541 §6.3: 0x3f e1 1f is an update to 4096 + 31 = 4127... pick 1 MiB: 0x3f 0xe1 0xff 0x3f.
            byte[] update = {0x3f, (byte) 0xe1, (byte) 0xff, 0x3f};
            byte[] fields = c.encode(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x");
            byte[] block = new byte[update.length + fields.length];
            System.arraycopy(update, 0, block, 0, update.length);
            System.arraycopy(fields, 0, block, update.length, fields.length);
            c.frame(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, block);
            assertGoAway(c, ErrorCode.COMPRESSION_ERROR);
        }
        stillServes(port);
    }

    @Test
    void anHpackBombGets431AndTheConnectionCarriesOn() {
        int port = start(Http2Options.builder().maxHeaderListSize(8 * 1024).build());
        try (FrameClient c = FrameClient.handshake(port)) {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.writeBytes(c.encode(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "x"));
            // RFC 7541 §6.2.1: one 3900-byte field added to the table (new name "bomb") ...
            block.writeBytes(new byte[] {0x40, 4, 'b', 'o', 'm', 'b', 0x7f, (byte) 0xbd, 0x1d});
            block.writeBytes("v".repeat(3900).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            // ... then named again and again by its index, one byte for 3.9 KB each (§6.1: 62 is the newest).
            for (int i = 0; i < 5000; i++) {
                block.write(0x80 | 62);
            }
            byte[] bomb = block.toByteArray();
            c.frame(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 1, bomb);
            assertEquals(431, c.response(1).status());
            figure("HPACK bomb: a %d-byte block naming a 3900-byte entry 5000 times (%d MB decoded),"
                    + " maxHeaderListSize 8 KiB: 431 on the stream, the connection serves on",
                    bomb.length, 5000L * (3900 + 4) / 1_000_000);
            // The table stayed in step: a request naming only static entries is served.
            c.frame(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, 3, new byte[] {(byte) 0x82, (byte) 0x86, (byte) 0x84,
                0x01, 0x01, 'x'});
            assertEquals("ok", c.response(3).bodyText());
        }
    }

    @Test
    void settingsNeverAcknowledgedEndTheConnection() {
        int port = start(Http2Options.builder().settingsTimeout(Duration.ofMillis(300)).build());
        try (FrameClient c = FrameClient.connect(port)) {
            // The client reads the server's SETTINGS but never acknowledges them (RFC 9113 §6.5.3).
            assertGoAway(c, ErrorCode.SETTINGS_TIMEOUT);
        }
        stillServes(port);
    }

    @Test
    void anIdleConnectionIsClosedWithGoAwayAfterTheIdleTimeout() {
        Router router = Router.builder().get("/", (req, res) -> res.send("ok")).build();
        int port = HttpServer.start(ranch, "idle", Loopback.options().build(), router,
                HttpOptions.builder().idleTimeout(Duration.ofMillis(300)).build()).port();
        try (FrameClient c = FrameClient.handshake(port)) {
            c.get(1, "/");
            assertEquals("ok", c.response(1).bodyText());
            FrameClient.Frame goAway = c.goAway();
            assertNotNull(goAway);
            assertEquals(ErrorCode.NO_ERROR, goAway.errorCode());
            assertEquals(1, goAway.lastStreamId());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aClientThatFloodsWithoutReadingIsNoLongerReadOnceItsRepliesPileUp() throws Exception {
        Router router = Router.builder().get("/empty", (req, res) -> res.status(204).end()).build();
        Listener listener = HttpServer.start(ranch, "unread", Loopback.options().build(),
                router, HttpOptions.DEFAULTS);
        // One round: a request (static table only, so every round is the same bytes but the id) and
        // 50 PINGs, each costing the server a reply; the request keeps maxEmptyFrames from cutting it.
        byte[] request = {(byte) 0x82, (byte) 0x86, 0x04, 6, '/', 'e', 'm', 'p', 't', 'y', 0x01, 0x01, 'x'};
        AtomicLong written = new AtomicLong();
        try (FrameClient c = FrameClient.handshake(listener.port())) {
            Thread writer = new Thread(() -> {
                try {
                    for (int id = 1; id > 0; id += 2) {
                        ByteArrayOutputStream round = new ByteArrayOutputStream();
                        round.writeBytes(FrameClient.bytes(HEADERS, FLAG_END_HEADERS | FLAG_END_STREAM, id, request));
                        for (int i = 0; i < 50; i++) {
                            round.writeBytes(FrameClient.bytes(PING, 0, 0, new byte[8]));
                        }
                        c.socket().write(round.toByteArray());
                        written.addAndGet(round.size());
                    }
                } catch (RuntimeException e) {
                    // the socket closed at the end of the test
                }
            }, "unread-flooder");
            writer.setDaemon(true);
            writer.start();
            AtomicLong last = new AtomicLong(-1);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> bytesIn(listener) == last.getAndSet(bytesIn(listener)));
            long stalledAt = bytesIn(listener);
            Patience.assertStays("the server reads nothing more from it",
                    Duration.ofSeconds(1), () -> bytesIn(listener) == stalledAt);
            assertTrue(writer.isAlive(), "the flooder is blocked in write, not done");
            figure("unread replies: a client sending 50 PINGs per request and reading nothing was no longer"
                    + " read after %d KiB in (it had written %d KiB, the rest waits in the kernel)",
                    stalledAt / 1024, written.get() / 1024);
            c.socket().socket().close();  // ends the blocked write, so the flooder thread finishes
            writer.join(10_000);
        }
    }

    private static long bytesIn(Listener listener) {
        return listener.connections().stream().mapToLong(ConnectionInfo::bytesIn).sum();
    }
}
