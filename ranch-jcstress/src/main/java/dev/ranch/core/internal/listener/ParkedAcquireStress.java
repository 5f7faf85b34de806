package dev.ranch.core.internal.listener;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * An acceptor parking at the limit racing the release of the only slot: the release always
 * wakes it ({@code waiting} announced before the re-check, read after the decrement). A
 * termination test: the acceptor must return once the slot is freed.
 */
@JCStressTest(Mode.Termination)
@State
@Description("acquire parking at the limit racing a release: no lost wake-up")
@Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the acceptor took the freed slot")
@Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: the acceptor sleeps beside a free slot")
public class ParkedAcquireStress {

    private final ConnectionSupervisor supervisor = new ConnectionSupervisor("jcstress", 1, 1);

    {
        supervisor.tryAcquire(0);
    }

    @Actor
    public void acquire() throws InterruptedException {
        supervisor.acquire(0, () -> false);
    }

    @Signal
    public void release() {
        supervisor.releaseSlot(0);
    }
}
