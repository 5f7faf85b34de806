package dev.ranch.chat;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The inbox and the sender's flow control without sockets, so the orderings that a socket
 * test can only hit by chance are pinned down: every line offered to a member is released
 * exactly once, whether it is delivered, waiting when the member closes, or offered after.
 */
class InboxTest {

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
