package dev.ranch.chat;

import dev.ranch.http.websocket.CloseCodes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The chat's two flow-control bounds hold for WebSocket members as they do for TCP ones. */
class WebSocketFlowTest {

    @RegisterExtension
    final RunningChat chat = new RunningChat();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private SocketClient socket() {
        return chat.closeAfter(SocketClient.connect(chat.server().httpPort()));
    }

    private static String numbered(int i) {
        return "w " + i + " " + "p".repeat(30);
    }

    @Test
    void aWebSocketSenderIsPausedAtMaxLinesInFlightAndNothingIsLost() throws Exception {
        // One loop: receivers drain only after the sender's callback returns, so a burst must
        // pause the sender, with frames (and lines of one frame) still to be handled.
        int maxInFlight = 4;
        chat.start(ChatConfig.builder().eventLoops(1).maxLinesInFlight(maxInFlight));
        SocketClient sender = socket().join("r");
        List<LineClient> receivers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            receivers.add(chat.client().join("r"));
        }
        int frames = 1000;
        int linesPerFrame = 3;
        Future<?> writing = threads.submit(() -> {
            for (int f = 0; f < frames; f++) {
                int first = f * linesPerFrame;
                sender.send(numbered(first) + "\n" + numbered(first + 1) + "\n" + numbered(first + 2));
            }
        });
        List<Future<?>> reading = new ArrayList<>();
        for (LineClient receiver : receivers) {
            reading.add(threads.submit(() -> {
                for (int i = 0; i < frames * linesPerFrame; i++) {
                    assertEquals(numbered(i), receiver.readLine(), "line " + i);
                }
            }));
        }
        writing.get(60, TimeUnit.SECONDS);
        for (Future<?> r : reading) {
            r.get(60, TimeUnit.SECONDS);
        }
        ChatStats stats = chat.server().stats();
        assertTrue(stats.readPauses() > 0, "the sender was never paused: " + stats);
        assertEquals(maxInFlight, stats.peakLinesInFlight(), "lines in flight never exceed the bound: " + stats);
        sender.send("WHO").expect("OK 11 in r");
    }

    @Test
    void aBrowserThatDoesNotReadIsCutOffWith1008WhileTheRoomKeepsReceiving() throws Exception {
        chat.start(ChatConfig.builder().eventLoops(2).maxOutboundBytes(64 * 1024));
        LineClient sender = chat.client().join("r");
        LineClient reader = chat.client().join("r");
        SocketClient sleeper = socket().join("r");
        sleeper.hold();

        // The kernel buffers megabytes for the sleeper before the server's queue grows, so
        // the sender streams until the server has cut it off.
        Future<Integer> writing = threads.submit(() -> {
            int sent = 0;
            while (chat.server().stats().slowConsumersDisconnected() == 0 && sent < 2_000_000) {
                StringBuilder batch = new StringBuilder();
                for (int i = 0; i < 1000; i++) {
                    batch.append(numbered(sent++)).append('\n');
                }
                sender.raw(batch.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            }
            sender.send("end");
            return sent;
        });
        Future<Integer> reading = threads.submit(() -> {
            int n = 0;
            String line;
            while (!(line = reader.readLine()).equals("end")) {
                assertEquals(numbered(n), line, "reader line " + n);
                n++;
            }
            return n;
        });
        int sent = writing.get(60, TimeUnit.SECONDS);
        assertEquals(sent, reading.get(30, TimeUnit.SECONDS), "the reader got every line, in order");
        assertEquals(1, chat.server().stats().slowConsumersDisconnected());
        await().atMost(Duration.ofSeconds(10)).until(() -> chat.server().members("r") == 2);

        // The sleeper wakes up: what it was sent, in order, then the reason, then close 1008.
        sleeper.release();
        List<String> got = sleeper.linesUntilClosed();
        assertEquals(CloseCodes.POLICY_VIOLATION, sleeper.closeCode());
        assertEquals("ERR too slow", got.get(got.size() - 1));
        for (int i = 0; i < got.size() - 1; i++) {
            assertEquals(numbered(i), got.get(i), "sleeper line " + i);
        }
        assertTrue(got.size() - 1 < sent, "the sleeper was cut off before the end");
        reader.send("WHO").expect("OK 2 in r");
    }
}
