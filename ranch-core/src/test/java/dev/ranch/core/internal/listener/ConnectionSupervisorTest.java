package dev.ranch.core.internal.listener;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limit on its own, one step at a time: what a change of the limit must make of the slots
 * taken before it. The interleavings of these steps are ranch-jcstress's
 * {@code SetMaxConnectionsStress}, which failed on the code before the fix of that race; these are
 * the sequential outcomes that test accepts.
 */
class ConnectionSupervisorTest {

    /** Limit 10 over two shards of 5, one slot held in each. */
    private final ConnectionSupervisor supervisor = new ConnectionSupervisor("test", 10, 2);

    ConnectionSupervisorTest() {
        assertEquals(0, supervisor.tryAcquire(0));
        assertEquals(1, supervisor.tryAcquire(1));
    }

    @Test
    void aSlotTakenUnderTheOldLimitsKeepsALoweredLimitFromAdmittingBeyondIt() {
        assertEquals(1, supervisor.tryAcquire(1), "under the old share of 5, shard 1 takes a second slot");

        supervisor.setMaxConnections(3);

        assertTrue(supervisor.isConstrained(), "shard 1 holds 2 against its new share of 1");
        assertEquals(-1, supervisor.tryAcquire(0), "3 held: shard 0's free share admits nobody");
        assertEquals(3, supervisor.heldSlots());

        supervisor.releaseSlot(1);
        assertEquals(0, supervisor.tryAcquire(0), "below the new limit again, a slot is free");
        assertFalse(supervisor.isConstrained(), "every shard within its share lifts the constraint");
        assertEquals(-1, supervisor.tryAcquire(1), "and the new limit holds exactly");
        assertEquals(3, supervisor.heldSlots());
    }

    @Test
    void anAcquireAfterTheLoweringTakesTheShareWithRoom() {
        supervisor.setMaxConnections(3);

        assertFalse(supervisor.isConstrained(), "1 and 1 are within the shares 2 and 1");
        assertEquals(0, supervisor.tryAcquire(1), "shard 1 is full at its share of 1: borrowed from shard 0");
        assertEquals(-1, supervisor.tryAcquire(0));
        assertEquals(3, supervisor.heldSlots());
    }

    @Test
    void raisingTheLimitLiftsAConstraintThatNoLongerHolds() {
        supervisor.tryAcquire(1);
        supervisor.setMaxConnections(3);
        assertTrue(supervisor.isConstrained());

        supervisor.setMaxConnections(10);

        assertFalse(supervisor.isConstrained());
        assertEquals(0, supervisor.tryAcquire(0));
        assertEquals(4, supervisor.heldSlots());
    }
}
