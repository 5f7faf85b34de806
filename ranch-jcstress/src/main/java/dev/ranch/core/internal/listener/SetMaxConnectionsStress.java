package dev.ranch.core.internal.listener;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Lowering the limit while acceptors take slots: once {@link ConnectionSupervisor#setMaxConnections}
 * has returned, nobody is admitted while the slots held reach the new limit.
 *
 * <p>Each test starts from the same supervisor (limit 10 over two shards of 5) and lowers it to
 * 3, shares (2, 1), while an acceptor takes a slot preferring shard 1. The arbiter, which runs
 * after both, reports the slots held and whether one more acquire gets in. Under the old limits
 * the acceptor's slot lands in shard 1, over that shard's new share; if the change did not see
 * it, the change leaves the supervisor unconstrained and shard 0's free share admits a fourth
 * holder: the race a change of the limit once lost.
 *
 * <p>Results: (acceptor admitted, slots held after both, arbiter's extra acquire admitted).
 */
public final class SetMaxConnectionsStress {

    private SetMaxConnectionsStress() {
    }

    /** A supervisor with two shards and the limit 10, fresh for every test instance. */
    public static class Supervisor {
        final ConnectionSupervisor supervisor = new ConnectionSupervisor("jcstress", 10, 2);

        /** The arbiter's part: the slots held, then whether one more acquire gets in. */
        void probe(III_Result r) {
            r.r2 = supervisor.heldSlots();
            r.r3 = supervisor.tryAcquire(0) >= 0 ? 1 : 0;
        }
    }

    /** One slot held in each shard; an acquire races the lowering to 3. */
    @JCStressTest
    @State
    @Description("acquire racing setMaxConnections(10 -> 3): no admission beyond the new limit")
    @Outcome(id = "1, 3, 0", expect = ACCEPTABLE, desc = "admitted before or under the new limit; the limit holds")
    @Outcome(id = "1, 3, 1", expect = FORBIDDEN,
            desc = "the change missed a slot taken under the old limit: a fourth holder with a limit of 3")
    public static class Acquire extends Supervisor {
        {
            supervisor.tryAcquire(0);
            supervisor.tryAcquire(1);
        }

        @Actor
        public void lower() {
            supervisor.setMaxConnections(3);
        }

        @Actor
        public void acquire(III_Result r) {
            r.r1 = supervisor.tryAcquire(1) >= 0 ? 1 : 0;
        }

        @Arbiter
        public void afterwards(III_Result r) {
            probe(r);
        }
    }

    /**
     * Shard 0 holds two slots and shard 1 one; a connection of shard 0 closes and an acceptor
     * takes a slot, racing the lowering to 3.
     */
    @JCStressTest
    @State
    @Description("release and acquire racing setMaxConnections(10 -> 3): no admission beyond the new limit")
    @Outcome(id = "1, 3, 0", expect = ACCEPTABLE, desc = "one freed, one admitted; the limit holds")
    @Outcome(id = "1, 3, 1", expect = FORBIDDEN,
            desc = "the change missed a slot taken under the old limit: a fourth holder with a limit of 3")
    public static class ReleaseThenAcquire extends Supervisor {
        {
            supervisor.tryAcquire(0);
            supervisor.tryAcquire(0);
            supervisor.tryAcquire(1);
        }

        @Actor
        public void lower() {
            supervisor.setMaxConnections(3);
        }

        @Actor
        public void releaseAndAcquire(III_Result r) {
            supervisor.releaseSlot(0);
            r.r1 = supervisor.tryAcquire(1) >= 0 ? 1 : 0;
        }

        @Arbiter
        public void afterwards(III_Result r) {
            probe(r);
        }
    }
}
