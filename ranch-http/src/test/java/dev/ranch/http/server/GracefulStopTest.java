package dev.ranch.http.server;

import dev.ranch.http.Response;
import dev.ranch.http.router.Router;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static dev.ranch.core.test.Patience.HOLD;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listener stopping gracefully: idle connections close, a request in progress is answered
 * and then closed, and so is the first request of a connection accepted just before.
 */
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
    void aClientThatConnectedBeforeTheStopHasItsFirstRequestAnsweredWithClose() {
        Router router = Router.builder().get("/", (req, res) -> res.send("ok")).build();
        TestServer server = TestServer.start(router);
        try (RawClient idle = server.connect(); RawClient fresh = server.connect()) {
            assertEquals("ok", idle.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read().body());
            await().atMost(PATIENCE).until(() -> server.listener.info().allConnections() == 2);
            CompletableFuture<Void> stop = CompletableFuture.runAsync(() -> server.ranch.stopListener("http"));
            // The stop reached both connections together; the idle one closes once quiet.
            assertTrue(idle.isClosedByPeer(), "the idle keep-alive connection closes");
            // The fresh one has not sent its request yet, which closing it would lose (a FIN
            // before the request, or a reset if the request is already in the kernel).
            assertFalse(fresh.isClosedByPeerWithin(HOLD), "a connection that has not spoken yet waits for its request");
            RawClient.Response response = fresh.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals("ok", response.body());
            assertEquals("close", response.header("connection"));
            assertTrue(fresh.isClosedByPeer(), "closed after the answer that said so");
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
