package dev.ranch.http.websocket;

import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.http.HttpOptions;
import dev.ranch.http.router.Router;
import dev.ranch.http.server.HttpServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A thousand WebSocket clients at once against one echo route: every echo arrives, every close is clean. */
class WebSocketLoadTest {

    private static final int CLIENTS = 1000;
    private static final int ROUNDS = 10;

    @Test
    void aThousandConcurrentClientsGetEveryEchoAndCloseWith1000() throws Exception {
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger closedNormally = new AtomicInteger();
        Queue<String> otherCloses = new ConcurrentLinkedQueue<>();
        Router router = Router.builder().websocket("/ws", (request, handshake) -> new WebSocketHandler() {
            @Override
            public void onOpen(WebSocketSession session) {
                opened.incrementAndGet();
            }

            @Override
            public void onTextBytes(WebSocketSession session, ByteBuffer utf8) {
                session.sendText(utf8);
            }

            @Override
            public void onClose(WebSocketSession session, int code, String reason) {
                if (code == CloseCodes.NORMAL) {
                    closedNormally.incrementAndGet();
                } else {
                    otherCloses.add(code + " " + reason);
                }
            }
        }).build();
        try (Ranch ranch = Ranch.builder().eventLoops(2).build()) {
            // The limit is twice the load so that what is measured is the WebSocket path, not the limit.
            Listener listener = HttpServer.start(ranch, "ws-load", ListenerOptions.builder()
                    .bindAddress(InetAddress.getLoopbackAddress()).port(0).maxConnections(2 * CLIENTS).build(),
                    router, HttpOptions.DEFAULTS);
            long start = System.nanoTime();
            try (WebSocketLoadClient clients = WebSocketLoadClient.start(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port()), "/ws", CLIENTS, ROUNDS)) {
                await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
                        .until(() -> clients.finished() + clients.failures().size() == CLIENTS);
                long millis = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("WebSocketLoadTest: %d clients, %d echoes, clean closes in %d ms%n",
                        clients.finished(), clients.echoes(), millis);
                assertEquals(List.of(), clients.failures());
                assertEquals(CLIENTS, clients.upgraded());
                assertEquals(CLIENTS * ROUNDS, clients.echoes());
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> closedNormally.get() + otherCloses.size() == CLIENTS);
            assertEquals(List.of(), List.copyOf(otherCloses));
            assertEquals(CLIENTS, opened.get());
            await().atMost(Duration.ofSeconds(5)).until(() -> listener.info().allConnections() == 0);
        }
    }
}
