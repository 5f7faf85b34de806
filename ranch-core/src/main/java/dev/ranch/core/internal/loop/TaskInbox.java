package dev.ranch.core.internal.loop;

import org.jctools.queues.varhandle.MpscUnboundedVarHandleArrayQueue;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An event loop's task queue with its wake-up handshake: any thread offers tasks, the loop
 * thread polls them, and before blocking the loop arms a flag so that exactly one producer
 * (the one that disarms it) wakes it up. A burst of tasks from other threads costs one
 * wake-up, and tasks the loop queues for itself cost none.
 *
 * <p>No lost wake-up: the loop writes {@code wakeupArmed} and then reads the queue
 * ({@link #armBeforeBlocking}); a producer writes the queue and then reads
 * {@code wakeupArmed} ({@link #offerFromOutside}). The flag is volatile and a full fence
 * follows the offer (jctools may publish it with a release store only, which a later load may
 * pass), so in the total order of these accesses one of the two reads comes after the other
 * thread's write: the loop sees the task and does not block, or the producer sees the flag
 * armed and wakes the loop. Both may happen; a wake-up too many is harmless. Only the arm
 * and the queue read after it carry this argument, so the loop may {@link #disarm} whenever it
 * is awake (it does so before dispatching its first ready channel): whatever a producer queues
 * after that, the loop reads again, after arming, before it next blocks.
 *
 * <p>{@link #offerFromOutside} is any thread but the loop; everything else is the loop thread's.
 */
final class TaskInbox {

    // The VarHandle flavour: the Unsafe one makes JDK 24+ print deprecation warnings at start.
    private final MpscUnboundedVarHandleArrayQueue<Runnable> tasks = new MpscUnboundedVarHandleArrayQueue<>(1024);
    private final AtomicBoolean wakeupArmed = new AtomicBoolean();

    /**
     * Queues {@code task} from a thread other than the loop.
     *
     * @return whether the caller must wake the loop, which is blocking or about to
     */
    boolean offerFromOutside(Runnable task) {
        tasks.offer(task);
        VarHandle.fullFence();
        return wakeupArmed.get() && wakeupArmed.compareAndSet(true, false);
    }

    /** Queues {@code task} from the loop itself, which will poll it before it blocks again. */
    void offerFromLoop(Runnable task) {
        tasks.offer(task);
    }

    /**
     * Arms the wake-up before the loop blocks.
     *
     * @return whether the loop may block: nothing was queued once the flag was armed
     */
    boolean armBeforeBlocking() {
        wakeupArmed.set(true);
        return tasks.isEmpty();
    }

    /** The loop is awake again; a producer reading the flag late only wakes it once more. */
    void disarm() {
        wakeupArmed.lazySet(false);
    }

    boolean isEmpty() {
        return tasks.isEmpty();
    }

    /** The oldest task, or {@code null}. */
    Runnable poll() {
        return tasks.poll();
    }
}
