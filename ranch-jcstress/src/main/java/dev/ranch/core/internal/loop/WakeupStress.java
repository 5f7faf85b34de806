package dev.ranch.core.internal.loop;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A task submitted from another thread racing the event loop going to sleep, on the loop's
 * real {@link TaskInbox}: the loop never blocks on a queued task without being woken. The
 * selector's part is the JDK's ({@code wakeup()} before {@code select()} makes it return at
 * once), so the handshake is the whole race.
 *
 * <p>Results: (the loop would block, the producer wakes it).
 */
@JCStressTest
@State
@Description("EventLoop task submission racing the loop going to sleep: no lost wake-up")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the loop saw the task and stays awake; no wake-up needed")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the loop saw the task, and was woken once more than needed")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the loop blocks and the producer wakes it")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "lost wake-up: the loop blocks with a task queued")
public class WakeupStress {

    private static final Runnable TASK = () -> { };

    private final TaskInbox inbox = new TaskInbox();

    @Actor
    public void loop(II_Result r) {
        r.r1 = inbox.armBeforeBlocking() ? 1 : 0;
    }

    @Actor
    public void producer(II_Result r) {
        r.r2 = inbox.offerFromOutside(TASK) ? 1 : 0;
    }
}
