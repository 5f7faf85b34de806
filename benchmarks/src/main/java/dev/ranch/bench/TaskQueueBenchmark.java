package dev.ranch.bench;

import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The event loop's task queue ({@code TaskInbox}) in its two jctools flavours, in the same
 * run: {@code unsafe} ({@code MpscUnboundedArrayQueue} of jctools-core, which makes JDK 24+
 * print {@code sun.misc.Unsafe} warnings) and {@code varhandle}
 * ({@code MpscUnboundedVarHandleArrayQueue} of jctools-core-jdk11, what ranch-core uses).
 * {@code batch}: one thread offers 64 tasks and polls them back, the loop's own path.
 * {@code handOff}: one thread offers while another polls, the path of tasks from other
 * threads; the producer backs off while 8192 wait, so the queue stays bounded.
 */
@State(Scope.Group)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TaskQueueBenchmark {

    private static final Runnable TASK = () -> { };
    private static final int BATCH = 64;
    private static final int MAX_WAITING = 8192;

    /** Queue flavour: {@code unsafe} or {@code varhandle}. */
    @Param({"unsafe", "varhandle"})
    public String queue;

    private Queue<Runnable> tasks;

    @Setup
    public void setUp() {
        // The capacity TaskInbox gives its queue.
        tasks = queue.equals("unsafe") ? new MpscUnboundedArrayQueue<>(1024) : new MpscUnboundedVarHandleArrayQueue<>(1024);
    }

    /** Offers {@value #BATCH} tasks, then polls them; the time is per batch. */
    @Benchmark
    @Group("batch")
    public void offerThenPoll(Blackhole hole) {
        for (int i = 0; i < BATCH; i++) {
            tasks.offer(TASK);
        }
        for (int i = 0; i < BATCH; i++) {
            hole.consume(tasks.poll());
        }
    }

    /** The producer side of a hand-off. */
    @Benchmark
    @Group("handOff")
    @GroupThreads(1)
    public boolean offer() {
        return tasks.size() < MAX_WAITING && tasks.offer(TASK);
    }

    /** The consumer side of a hand-off. */
    @Benchmark
    @Group("handOff")
    @GroupThreads(1)
    public Runnable poll() {
        return tasks.poll();
    }
}
