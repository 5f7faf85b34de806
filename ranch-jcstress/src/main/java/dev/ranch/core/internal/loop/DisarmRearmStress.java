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
 * The loop woke from a blocking select with its {@link TaskInbox} armed, disarms it as soon as
 * it is awake (before dispatching its ready channels, as {@link EventLoop} does), then arms it
 * again to block, while another thread queues a task: whenever the producer takes the early
 * disarm to mean it need not wake the loop, the loop must see the task at its next arm. The
 * producer may also still see the first arm and wake the loop needlessly; that is harmless.
 *
 * <p>Results: (the loop would block again, the producer wakes it).
 */
@JCStressTest
@State
@Description("EventLoop disarming early on waking, re-arming to block, against a producer: no lost wake-up")
@Outcome(id = "0, 0", expect = ACCEPTABLE, desc = "the loop saw the task at its re-arm; no wake-up needed")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the loop saw the task, and the producer woke it anyway")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the loop blocks again and the producer wakes it")
@Outcome(id = "1, 0", expect = FORBIDDEN, desc = "lost wake-up: the loop blocks with a task queued")
public class DisarmRearmStress {

    private static final Runnable TASK = () -> { };

    private final TaskInbox inbox = new TaskInbox();

    /** The loop blocked in select with the inbox armed, before either actor runs. */
    public DisarmRearmStress() {
        inbox.armBeforeBlocking();
    }

    @Actor
    public void loop(II_Result r) {
        inbox.disarm();
        r.r1 = inbox.armBeforeBlocking() ? 1 : 0;
    }

    @Actor
    public void producer(II_Result r) {
        r.r2 = inbox.offerFromOutside(TASK) ? 1 : 0;
    }
}
