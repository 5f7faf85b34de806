package dev.ranch.chat;

import dev.ranch.core.Connection;
import dev.ranch.core.Timer;
import dev.ranch.core.listener.Listener;
import org.junit.jupiter.api.Test;

import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The inbox and the sender's flow control without sockets, so the orderings that a socket
 * test can only hit by chance are pinned down: every line offered to a member is released
 * exactly once, whether it is delivered, waiting when the member closes, or offered after.
 */
class InboxTest {

    /** A connection that records its mailbox and can be closed by the test. */
    private static final class FakeConnection implements Connection {
        final List<Object> mailbox = new ArrayList<>();
        boolean closed;

        @Override public long id() { return 1; }
        @Override public Listener listener() { return null; }
        @Override public SocketAddress peer() { return null; }
        @Override public SocketAddress local() { return null; }
        @Override public void handshake() {}
        @Override public void write(ByteBuffer data) {}
        @Override public void write(byte[] data) {}
        @Override public void write(ByteBuffer... data) {}
        @Override public void sendFile(FileChannel file, long position, long count) {}
        @Override public void removeFromCount() {}
        @Override public boolean isCounted() { return true; }
        @Override public boolean isWritable() { return true; }
        @Override public long pendingWriteBytes() { return 0; }
        @Override public void pauseReads() {}
        @Override public void resumeReads() {}
        @Override public boolean isReadPaused() { return false; }
        @Override public Timer schedule(Duration delay, Object token) { return null; }
        @Override public void setIdleTimeout(Duration timeout) {}
        @Override public void close() { closed = true; }
        @Override public void abort() { closed = true; }
        @Override public boolean isOpen() { return !closed; }
        @Override public void whenClosed(Consumer<Connection> listener) {}
        @Override public Map<String, Object> attributes() { return new ConcurrentHashMap<>(); }

        @Override
        public boolean send(Object message) {
            if (closed) {
                return false;
            }
            mailbox.add(message);
            return true;
        }
    }

    private final ChatStats.Counters counters = new ChatStats.Counters();
    private final FakeConnection senderConnection = new FakeConnection();
    private final SenderFlow flow = new SenderFlow(senderConnection, 2, counters);

    private Broadcast fanOut(Inbox... inboxes) {
        Broadcast line = new Broadcast("r", "hi\n".getBytes(), 1, flow);
        flow.linesSent(1);
        for (Inbox inbox : inboxes) {
            inbox.offer(line);
        }
        line.release();
        return line;
    }

    @Test
    void aLineStaysInFlightUntilEveryReceiverTookItAndOneWakeRingsPerBatch() {
        FakeConnection a = new FakeConnection();
        FakeConnection b = new FakeConnection();
        Inbox inboxA = new Inbox(a);
        Inbox inboxB = new Inbox(b);
        fanOut(inboxA, inboxB);
        fanOut(inboxA, inboxB);
        assertEquals(List.of(Inbox.WAKE), a.mailbox, "one wake-up for two lines");
        assertEquals(2, flow.inFlight());

        inboxA.woken();
        inboxA.poll().release();
        inboxA.poll().release();
        assertNull(inboxA.poll());
        assertEquals(2, flow.inFlight(), "b has not taken them yet");
        inboxB.woken();
        inboxB.poll().release();
        assertEquals(1, flow.inFlight());
    }

    @Test
    void linesWaitingWhenTheMemberClosesAreReleased() {
        FakeConnection member = new FakeConnection();
        Inbox inbox = new Inbox(member);
        fanOut(inbox);
        fanOut(inbox);
        assertEquals(2, flow.inFlight());
        // The core drops the WAKE of a closed connection; onClose closes the inbox instead.
        member.closed = true;
        inbox.close();
        assertEquals(0, flow.inFlight());
    }

    @Test
    void aLineOfferedAfterTheMemberClosedIsReleasedAtOnce() {
        FakeConnection member = new FakeConnection();
        Inbox inbox = new Inbox(member);
        member.closed = true;
        inbox.close();
        fanOut(inbox);
        assertEquals(0, flow.inFlight());
    }

    @Test
    void aLineWhoseWakeIsRefusedIsReleasedAtOnce() {
        FakeConnection member = new FakeConnection();
        Inbox inbox = new Inbox(member);
        member.closed = true; // closed, but its onClose has not run yet
        fanOut(inbox);
        assertEquals(0, flow.inFlight());
    }

    @Test
    void aPausedSenderGetsExactlyOneResumeWhenHalfItsLinesAreDone() {
        FakeConnection member = new FakeConnection();
        Inbox inbox = new Inbox(member);
        fanOut(inbox);
        fanOut(inbox);
        assertEquals(true, flow.mustPause(), "2 of 2 lines in flight");
        inbox.woken();
        inbox.poll().release();
        assertEquals(List.of(SenderFlow.RESUME), senderConnection.mailbox, "1 left, the resume mark");
        inbox.poll().release();
        assertEquals(1, senderConnection.mailbox.size(), "no second RESUME for the same pause");
        assertSame(SenderFlow.RESUME, senderConnection.mailbox.get(0));
        assertEquals(1, counters.snapshot().readPauses());
        assertEquals(2, counters.snapshot().peakLinesInFlight());
    }

    @Test
    void aSenderWhoseLinesDrainedWhileItDecidedDoesNotPause() {
        FakeConnection member = new FakeConnection();
        Inbox inbox = new Inbox(member);
        fanOut(inbox);
        assertEquals(false, flow.mustPause(), "1 of 2 lines in flight");
        fanOut(inbox);
        inbox.woken();
        inbox.poll().release();
        assertEquals(false, flow.mustPause(), "back at the resume mark");
        assertEquals(List.of(), senderConnection.mailbox);
    }
}
