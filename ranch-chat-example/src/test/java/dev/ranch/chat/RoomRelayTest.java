package dev.ranch.chat;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs from other nodes, whose senders cannot be paused, are bounded where they land: past
 * {@link RoomRelay#BUDGET} bytes not yet taken by this node's members, new runs are dropped
 * and counted, and they are taken again once the members caught up. The member here has a
 * loop that never runs on its own (a {@link FakeConnection}), so its inbox only drains when
 * the test delivers its wake-ups.
 */
class RoomRelayTest {

    /** A wire that swallows what it is given: the member under test never falls behind its client. */
    private static final class NullWire implements Wire {
        private final FakeConnection connection = new FakeConnection();

        @Override public FakeConnection connection() { return connection; }
        @Override public void pauseReads() {}
        @Override public void resumeReads() {}
        @Override public void writeLines(ByteBuffer lines) { lines.position(lines.limit()); }
        @Override public long pendingBytes() { return 0; }
        @Override public void close(Farewell why) { connection.close(); }
    }

    @Test
    void remoteRunsPastTheBudgetAreDroppedAndCountedUntilTheMembersCatchUp() {
        RoomBus.LocalRooms[] relay = new RoomBus.LocalRooms[1];
        ChatRooms rooms = new ChatRooms(ChatConfig.builder().build(), local -> {
            relay[0] = local;
            return RoomBus.LOCAL;
        });
        NullWire wire = new NullWire();
        ChatMember member = new ChatMember(wire, rooms);
        member.onBytes(ByteBuffer.wrap("JOIN r\n".getBytes(StandardCharsets.US_ASCII)));

        byte[] run = ("x".repeat(1023) + "\n").repeat(16).getBytes(StandardCharsets.US_ASCII);
        long fit = RoomRelay.BUDGET / run.length;
        for (int i = 0; i < fit; i++) {
            assertTrue(relay[0].deliver("r", run, 16), "run " + i + " is within the budget");
        }
        assertFalse(relay[0].deliver("r", run, 16), "one run more is past it");
        assertFalse(relay[0].deliver("r", run, 16));
        assertEquals(32, rooms.counters().snapshot().remoteLinesDropped());
        assertTrue(relay[0].deliver("elsewhere", run, 16), "a room without members here costs nothing");

        // The member's loop turns: each wake-up drains a slice and rings again while lines are left.
        while (!wire.connection().mailbox.isEmpty()) {
            member.onMessage(wire.connection().mailbox.remove(0));
        }
        assertEquals(0, ((RoomRelay) relay[0]).inFlight());
        assertTrue(relay[0].deliver("r", run, 16), "taken again once the member caught up");
        assertEquals(32, rooms.counters().snapshot().remoteLinesDropped());
    }
}
