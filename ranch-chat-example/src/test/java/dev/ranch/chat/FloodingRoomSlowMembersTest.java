package dev.ranch.chat;

import dev.ranch.core.test.ChildJvm;
import dev.ranch.core.test.SlowReaders;
import dev.ranch.core.test.SocketFleet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Members of a flooded room who never read cost the chat server no more heap than
 * {@code maxOutboundBytes} (1 MiB) each, plus the little the documentation adds (the last
 * queue chunk, one drain batch, a line, the goodbye, inbox entries): once a
 * member's queue passes the bound it is closed as too slow, its queue drained or dropped
 * within the close timeout. The heap is sampled after full collections in a child JVM from
 * the start of the flood until every slow member is gone, and its peak compared with the
 * bound. 100 members by default, 1,000 under {@code -Pstress}. (How the flood delays members
 * of other rooms is {@code ranch-chat-example}'s fairness test; this one measures memory.)
 */
@EnabledOnOs(OS.LINUX)
class FloodingRoomSlowMembersTest {

    private static final int RECEIVE_BUFFER = 4096;
    /** A member drains its inbox through a 16 KiB scratch buffer: one batch may land past the bound. */
    private static final int DRAIN_BATCH = 16 * 1024;
    /** The loop's read buffer: what a paused sender keeps unparsed. */
    private static final int READ_BUFFER = 64 * 1024;
    /** An inbox entry: a queue node pointing at a shared line. */
    private static final int INBOX_ENTRY = 32;
    private static final String LINE = "flood " + "x".repeat(200) + "\n";

    @Test
    void aHundredSilentMembersOfAFloodedRoomCostNoMoreThanTheirOutboundBound() throws Exception {
        flood(100, "768m");
    }

    @Test
    @Tag("stress")
    void aThousandSilentMembersOfAFloodedRoomCostNoMoreThanTheirOutboundBound() throws Exception {
        flood(1000, "2g");
    }

    private static void flood(int members, String maxHeap) throws Exception {
        ChatConfig config = ChatConfig.builder().build();
        long perMember = config.maxOutboundBytes() + SlowReaders.QUEUE_CHUNK + DRAIN_BATCH + config.maxLine() + 2
                + "ERR too slow\n".length() + (long) config.maxLinesInFlight() * INBOX_ENTRY;
        // The one flooder's share, spread over the members: its lines in flight and its parked read.
        long flooder = (long) config.maxLinesInFlight() * (config.maxLine() + 1) + READ_BUFFER;
        long promised = perMember + (flooder + SlowReaders.HEAP_NOISE) / members;
        try (ChildJvm server = ChildJvm.start(FloodedChatServer.class, maxHeap, Integer.toString(members + 16))) {
            long before = server.heapAfterGc();
            long peak = before;
            try (SocketFleet silent = SocketFleet.connect(server.port(), members, RECEIVE_BUFFER, 16)) {
                silent.sendAndNeverRead("JOIN flood\n".getBytes(StandardCharsets.US_ASCII));
                await("the silent members join").atMost(ChildJvm.START_PATIENCE)
                        .until(() -> Integer.parseInt(server.ask("members flood")) == members);
                try (Socket flooding = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                    Thread writer = new Thread(() -> floodFrom(flooding), "flooder");
                    writer.setDaemon(true);
                    writer.start();
                    // Sampled until every silent member is gone, drained queue and all.
                    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                    while (Integer.parseInt(server.ask("connections")) > 1 && System.nanoTime() < deadline) {
                        peak = Math.max(peak, server.heapAfterGc());
                    }
                    peak = Math.max(peak, server.heapAfterGc());
                }
            }
            long slow = Long.parseLong(server.ask("slow"));
            SlowReaders.Growth growth = new SlowReaders.Growth("chat, members of a flooded room", members,
                    members - (int) slow, before, peak, promised);
            System.out.println(growth + " (peak of samples during the flood)");
            assertEquals(members, slow, "every silent member was closed as too slow");
            assertTrue(growth.perClient() <= promised, "the peak growth stays within the promise: " + growth);
            await("the heap is given back").atMost(ChildJvm.START_PATIENCE)
                    .until(() -> server.heapAfterGc() - before < 16L * 1024 * 1024);
        }
    }

    /** Joins the room and sends lines until the socket is closed under it; never reads. */
    private static void floodFrom(Socket socket) {
        byte[] batch = LINE.repeat(64).getBytes(StandardCharsets.US_ASCII);
        try {
            OutputStream out = socket.getOutputStream();
            out.write("JOIN flood\n".getBytes(StandardCharsets.US_ASCII));
            while (!socket.isClosed()) {
                out.write(batch);
            }
        } catch (IOException closedByTheTest) {
            // The flood ends when the test closes the socket.
        }
    }
}
