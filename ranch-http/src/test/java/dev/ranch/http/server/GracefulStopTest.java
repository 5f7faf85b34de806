package dev.ranch.http.server;

import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A listener stopping gracefully: idle connections close, a request in progress is answered and then closed. */
class GracefulStopTest {

    @Test
    void stopClosesIdleConnectionsAndFinishesTheResponseInProgressWithClose() {
        AtomicReference<Response> parked = new AtomicReference<>();
        Router router = Router.builder()
                .get("/park", (req, res) -> parked.set(res.async()))
                .get("/", (req, res) -> res.send("ok"))
                .build();
        TestServer server = TestServer.start(router);
        try (RawClient idle = server.connect(); RawClient busy = server.connect()) {
            assertEquals("ok", idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            busy.send("GET /park HTTP/1.1\r\nHost: x\r\n\r\n");
            await().atMost(Duration.ofSeconds(5)).until(() -> parked.get() != null);
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> server.ranch.stopListener("http"));
            assertTrue(idle.isClosedByPeer(), "an idle keep-alive connection closes at once");
            parked.get().send("finished");
            RawClient.Response response = busy.read();
            assertEquals("finished", response.body());
            assertEquals("close", response.header("connection"));
            assertTrue(busy.isClosedByPeer());
            stop.join();
        } finally {
            server.close();
        }
    }

    @Test
    void aClientSendingAtFullSpeedThroughTheStopHasEveryRequestAnsweredTheLastWithClose() {
        Router router = Router.builder().get("/", (req, res) -> res.send("ok")).build();
        TestServer server = TestServer.start(router);
        try (RawClient busy = server.connect()) {
            assertEquals("ok", busy.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> server.ranch.stopListener("http"));
            int answered = 0;
            RawClient.Response response;
            // Requests sent back to back while the stop runs: a close of this "idle" connection
            // between two of them would leave one without an answer (read() fails on it).
            do {
                response = busy.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
                assertEquals("ok", response.body(), "request " + answered + " answered");
                answered++;
            } while (!"close".equals(response.header("connection")));
            assertTrue(busy.isClosedByPeer(), "closed after the answer that said so");
            stop.join();
        } finally {
            server.close();
        }
    }
}
