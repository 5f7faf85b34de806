package dev.ranch.chat;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The server-wide budget of queued bytes: past it, a member's bound shrinks to its share under pressure. */
class ChatRoomsTest {

    private final ChatConfig config = ChatConfig.builder().build();
    private final ChatRooms rooms = new ChatRooms(config);

    @Test
    void aMemberMayQueueItsOwnBoundUntilAllMembersTogetherPassTheBudget() {
        assertEquals(config.maxOutboundBytes(), rooms.queueBound());
        rooms.queuedChanged(ChatRooms.QUEUED_BUDGET);
        assertEquals(config.maxOutboundBytes(), rooms.queueBound(), "at the budget, not past it");
        rooms.queuedChanged(1);
        assertEquals(ChatRooms.SHARE_UNDER_PRESSURE, rooms.queueBound());
    }

    @Test
    void thePressureEndsWhenQueuesShrinkOrTheirMembersLeave() {
        rooms.queuedChanged(ChatRooms.QUEUED_BUDGET / 2);
        rooms.queuedChanged(ChatRooms.QUEUED_BUDGET / 2 + 100);
        assertEquals(ChatRooms.SHARE_UNDER_PRESSURE, rooms.queueBound());
        rooms.queuedChanged(-100);
        assertEquals(config.maxOutboundBytes(), rooms.queueBound());
    }
}
