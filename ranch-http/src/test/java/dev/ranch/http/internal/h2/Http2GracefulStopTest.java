package dev.ranch.http.internal.h2;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static dev.ranch.http.internal.h2.FrameType.GOAWAY;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A listener stopping gracefully: GOAWAY with the last stream id, streams in flight finish, then close. */
class Http2GracefulStopTest {

    @TestRanch
    Ranch ranch;

    @Test
    void stopSendsGoAwayAndLetsTheStreamInFlightFinish() {
        AtomicReference<Response> parked = new AtomicReference<>();
        Router router = Router.builder()
                .get("/park", (req, res) -> parked.set(res.async()))
                .get("/", (req, res) -> res.send("ok"))
                .build();
        int port = HttpServer.start(ranch, "h2", Loopback.options().build(), router, HttpOptions.DEFAULTS).port();
        try (FrameClient idle = FrameClient.handshake(port); FrameClient busy = FrameClient.handshake(port)) {
            idle.get(1, "/");
            assertEquals("ok", idle.response(1).bodyText());
            busy.get(1, "/");
            busy.response(1);
            busy.get(3, "/park");
            await().atMost(Duration.ofSeconds(5)).until(() -> parked.get() != null);
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> ranch.stopListener("h2"));

            FrameClient.Frame idleGoAway = idle.goAway();
            assertEquals(ErrorCode.NO_ERROR, idleGoAway.errorCode());
            assertEquals(1, idleGoAway.lastStreamId());
            assertTrue(idle.closedByServer(), "a connection with no stream in flight closes at once");

            FrameClient.Frame busyGoAway = busy.expect(f -> f.type == GOAWAY);
            assertEquals(3, busyGoAway.lastStreamId(), "the parked stream will still be answered");
            busy.get(5, "/");  // above the last id: not processed (RFC 9113 §6.8)
            parked.get().send("finished");
            assertEquals("finished", busy.response(3).bodyText());
            assertTrue(busy.closedByServer());
            stop.join();
        }
    }
}
