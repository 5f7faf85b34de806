package dev.ranch.chat;

import dev.ranch.core.test.JdkHttpClients;
import dev.ranch.http.websocket.CloseCodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Slow consumers, sender back-pressure (TCP and WebSocket members), idle clients and the connection limit. */
class FlowControlTest {

    @AfterAll
    static void releaseClients() {
        // The WebSocket and page clients are JDK HttpClients, which Java 17 cannot close.
        JdkHttpClients.awaitCollected();
    }

    @RegisterExtension
    final RunningChat chat = new RunningChat();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    /** {@code count} numbered lines of about {@code size} bytes each, as one block of bytes. */
    private static byte[] numberedLines(String tag, int count, int size) {
        return numberedLines(tag, 0, count, size);
    }

    /** Lines {@code first} to {@code first + count - 1}, like {@link #numberedLines(String, int, int)}. */
    private static byte[] numberedLines(String tag, int first, int count, int size) {
        StringBuilder text = new StringBuilder();
        String padding = "p".repeat(Math.max(0, size - tag.length() - 8));
        for (int i = first; i < first + count; i++) {
            text.append(tag).append(' ').append(i).append(' ').append(padding).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads {@code count} lines and checks they are the numbered lines of {@code tag}, in order. */
    private static void expectNumberedLines(LineClient client, String tag, int count) {
        for (int i = 0; i < count; i++) {
            String line = client.readLine();
            String prefix = tag + " " + i + " ";
            if (!line.startsWith(prefix)) {
                throw new AssertionError("line " + i + " of " + tag + ": expected '" + prefix + "...', got '"
                        + line.substring(0, Math.min(40, line.length())) + "'");
            }
        }
    }

    /**
     * Streams numbered lines from {@code sender} until the server has cut a slow member off,
     * checks that {@code reader} got every one of them in order, and returns how many. How much
     * the kernel buffers for the slow member before the server's queue grows varies by machine,
     * hence streaming until the cut rather than a fixed count, and one batch after it. The
     * sender never runs more than two batches (about 40 KB) ahead of the reader: a reader that
     * falls behind by more than the outbound bound is a slow consumer too, and on a loaded
     * machine the test's own reading thread may lag that far.
     */
    private int streamUntilCutOff(LineClient sender, LineClient reader) throws Exception {
        int batch = 200;
        int maxLines = 2_000_000;
        AtomicInteger read = new AtomicInteger();
        Future<Integer> writing = threads.submit(() -> {
            int sent = 0;
            // The cut may come with the last line of a batch, so the slow member may have been
            // sent every line so far: the last batch goes once the cut is counted (the member
            // has left the room by then), to the room but not to the slow member.
            boolean cutBeforeThisBatch = false;
            while (!cutBeforeThisBatch && sent < maxLines) {
                cutBeforeThisBatch = chat.server().stats().slowConsumersDisconnected() > 0;
                int ahead = sent - batch;
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(1))
                        .until(() -> read.get() >= ahead);
                sender.raw(numberedLines("s", sent, batch, 100));
                sent += batch;
            }
            sender.send("end");
            return sent;
        });
        Future<Integer> reading = threads.submit(() -> {
            int n = 0;
            String line;
            while (!(line = reader.readLine()).equals("end")) {
                if (!line.startsWith("s " + n + " ")) {
                    throw new AssertionError("reader line " + n + ": " + line.substring(0, Math.min(40, line.length())));
                }
                n++;
                read.set(n);
            }
            return n;
        });
        int sent = writing.get(60, TimeUnit.SECONDS);
        assertEquals(sent, reading.get(30, TimeUnit.SECONDS), "the reader got every line, in order");
        assertEquals(1, chat.server().stats().slowConsumersDisconnected());
        await().until(() -> chat.server().members("r") == 2);
        return sent;
    }

    /** What a slow member read: the first lines of the stream in order, then {@code ERR too slow}. */
    private static void expectCutOffAfterFirstLines(List<String> got, int sent) {
        assertTrue(got.size() > 1, "the slow member got " + got.size() + " lines");
        assertEquals("ERR too slow", got.get(got.size() - 1));
        for (int i = 0; i < got.size() - 1; i++) {
            assertTrue(got.get(i).startsWith("s " + i + " "), "slow member's line " + i + ": " + got.get(i));
        }
        assertTrue(got.size() - 1 < sent, "the slow member was cut off before the end");
    }

    @Test
    void aMemberThatDoesNotReadIsCutOffWithTooSlowWhileTheRoomKeepsReceiving() throws Exception {
        chat.start(ChatConfig.builder().eventLoops(2).maxOutboundBytes(64 * 1024));
        LineClient sender = chat.client().join("r");
        LineClient reader = chat.client().join("r");
        // Default socket buffers: a tiny SO_RCVBUF on loopback (below one MSS) makes the kernel
        // fall back to zero-window probes, and the sleeper's final read crawls for minutes.
        LineClient sleeper = chat.client().join("r");

        int sent = streamUntilCutOff(sender, reader);

        // The sleeper wakes up: what it was sent, in order, then the reason, then the end.
        expectCutOffAfterFirstLines(sleeper.readUntilClosed(), sent);
        reader.send("WHO").expect("OK 2 in r");
        sender.send("after");
        reader.expect("after");
    }

    @Test
    void aFastSenderIsPausedAtMaxLinesInFlightAndNothingIsLost() throws Exception {
        // One loop: receivers run only after the sender's onData returns, so every read holding
        // more than maxLinesInFlight lines must pause the sender.
        int maxInFlight = 4;
        chat.start(ChatConfig.builder().eventLoops(1).maxLinesInFlight(maxInFlight));
        LineClient sender = chat.client().join("r");
        List<LineClient> receivers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            receivers.add(chat.client().join("r"));
        }
        int lines = 5_000;
        byte[] burst = numberedLines("f", lines, 40);
        Future<?> writing = threads.submit(() -> sender.raw(burst));
        List<Future<?>> reading = new ArrayList<>();
        for (LineClient receiver : receivers) {
            reading.add(threads.submit(() -> expectNumberedLines(receiver, "f", lines)));
        }
        writing.get(30, TimeUnit.SECONDS);
        for (Future<?> r : reading) {
            r.get(30, TimeUnit.SECONDS);
        }
        ChatStats stats = chat.server().stats();
        assertTrue(stats.readPauses() > 0, "the sender was never paused: " + stats);
        assertEquals(maxInFlight, stats.peakLinesInFlight(), "lines in flight never exceed the bound: " + stats);
        assertEquals(0, stats.slowConsumersDisconnected());
        sender.send("WHO").expect("OK 21 in r");
    }

    @Test
    void linesInFlightToMembersThatDisconnectAreReleasedSoTheSenderReadsOn() throws Exception {
        // One line in flight at most: a single line lost on its way to a member that
        // disconnects would pause the sender for good. The leavers live on the other loop, so
        // their disconnect can overtake the wake-up for the line just offered to them, which
        // is when the line has to be released by the inbox (InboxTest pins that down exactly).
        chat.start(ChatConfig.builder().eventLoops(2).maxLinesInFlight(1));
        LineClient sender = chat.client().join("r");
        LineClient witness = chat.client().join("r");
        int lines = 20_000;
        Future<?> writing = threads.submit(() -> sender.raw(numberedLines("q", lines, 30)));
        Future<?> watching = threads.submit(() -> expectNumberedLines(witness, "q", lines));
        for (int i = 0; i < 30; i++) {
            LineClient leaver = chat.client().join("r");
            assertTrue(leaver.readLine().startsWith("q "));
            leaver.close();
        }
        writing.get(30, TimeUnit.SECONDS);
        watching.get(30, TimeUnit.SECONDS);
        sender.send("WHO").expect("OK 2 in r");
    }

    @Test
    void anIdleClientGetsByeIdleTimeoutAndIsClosed() {
        chat.start(ChatConfig.builder().idleTimeout(Duration.ofMillis(300)));
        LineClient idle = chat.client().join("r");
        idle.expect("BYE idle timeout");
        idle.expectClosed();
        await().until(() -> chat.server().members("r") == 0);
    }

    @Test
    void theChatListenerServesNoMoreThanMaxConnections() {
        chat.start(ChatConfig.builder().maxConnections(2).acceptors(2));
        LineClient first = chat.client().join("r");
        chat.client().join("r");
        LineClient third = chat.client();
        third.send("JOIN r");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                .until(() -> chat.server().listener().info().activeConnections() == 2);
        third.expectSilenceFor(Duration.ofMillis(200));

        first.send("QUIT").expect("BYE");
        third.expect("OK joined r");
        third.send("WHO").expect("OK 2 in r");
    }

    // ---- the same bounds for WebSocket members ----

    private SocketClient socket() {
        return chat.closeAfter(SocketClient.connect(chat.server().httpPort()));
    }

    @Test
    void aWebSocketSenderIsPausedAtMaxLinesInFlightAndNothingIsLost() throws Exception {
        // As for TCP, one loop; frames of three lines each, so the sender pauses both between
        // frames (the WebSocket layer may still hand over frames it has read) and within one.
        int maxInFlight = 4;
        chat.start(ChatConfig.builder().eventLoops(1).maxLinesInFlight(maxInFlight));
        SocketClient sender = socket().join("r");
        List<LineClient> receivers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            receivers.add(chat.client().join("r"));
        }
        int frames = 1000;
        String[] lines = new String(numberedLines("w", frames * 3, 40), StandardCharsets.US_ASCII).split("\n");
        Future<?> writing = threads.submit(() -> {
            for (int f = 0; f < frames; f++) {
                sender.send(String.join("\n", lines[3 * f], lines[3 * f + 1], lines[3 * f + 2]));
            }
        });
        List<Future<?>> reading = new ArrayList<>();
        for (LineClient receiver : receivers) {
            reading.add(threads.submit(() -> expectNumberedLines(receiver, "w", lines.length)));
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

        int sent = streamUntilCutOff(sender, reader);

        sleeper.release();
        expectCutOffAfterFirstLines(sleeper.linesUntilClosed(), sent);
        assertEquals(CloseCodes.POLICY_VIOLATION, sleeper.closeCode());
        reader.send("WHO").expect("OK 2 in r");
    }
}
