package dev.ranch.core.internal.loop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One thread, one {@link Selector}, one MPSC task queue and one {@link TimerQueue}: the
 * owner of every channel registered with it.
 *
 * <p>Any thread may {@link #execute} a task; everything else is for the loop thread only.
 * Nothing on the loop's path takes a lock. Connections read into the loop's single
 * {@link #readBuffer()}, so an idle connection holds no buffer of its own.
 *
 * <p>Wake-ups are coalesced: the loop arms its {@link TaskInbox} just before it blocks in
 * {@code select}, and only the producer that disarms it calls {@link Selector#wakeup()}, so a
 * burst of tasks from other threads costs one wake-up, and tasks the loop queues for itself
 * cost none. The loop disarms as soon as {@code select} hands it the first ready channel, so
 * tasks queued by other threads while it works through its ready channels cost none either:
 * it polls the queue before it next blocks anyway.
 *
 * <p>Each turn dispatches every ready channel, expires the due timers and runs every queued
 * task (up to a bound, so I/O is not starved) before it selects again; it blocks only when
 * no task is queued, and otherwise only polls the selector ({@code selectNow}).
 */
public final class EventLoop {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    /** The value of {@link #busySince} while the loop waits in {@code select}: it runs nothing then. */
    static final long IDLE = Long.MIN_VALUE;

    private static final VarHandle BUSY_SINCE;
    private static final VarHandle RUNNING;
    private static final VarHandle LAG;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            BUSY_SINCE = lookup.findVarHandle(EventLoop.class, "busySince", long.class);
            RUNNING = lookup.findVarHandle(EventLoop.class, "running", Object.class);
            LAG = lookup.findVarHandle(EventLoop.class, "lagNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Tasks run per turn before the loop polls its channels again, so I/O is not starved. */
    private static final int MAX_TASKS_PER_TURN = 4096;

    private final Selector selector;
    private final TaskInbox tasks = new TaskInbox();
    private final TimerQueue timers = new TimerQueue();
    private final ByteBuffer readBuffer;
    private final Thread thread;
    private final Consumer<SelectionKey> onReady = this::dispatch;
    private volatile boolean stopping;
    /** Whether the inbox is armed: from just before a blocking select until the loop is awake. Loop thread. */
    private boolean armed;
    /** How often another thread woke the selector; for tests of the wake-up protocol. */
    private final AtomicLong wakeups = new AtomicLong();
    private long now = System.nanoTime();
    /**
     * When the callback the loop runs now began ({@link #now} at its start), or {@link #IDLE}.
     * Written by the loop with release stores, read by the {@link LoopWatchdog}; see there for
     * why a stale read cannot invent a blocked loop.
     */
    @SuppressWarnings("unused")
    private long busySince = IDLE;
    /** What the current callback runs for (a connection, a handler, a task); for the watchdog's log line only. */
    @SuppressWarnings("unused")
    private Object running;
    /** The last queued-to-run delay the lag probe measured, in nanoseconds; -1 before the first. */
    @SuppressWarnings("unused")
    private long lagNanos = -1;
    /** When the probe in flight was queued, or 0 when none is: written by the watchdog, cleared by the loop. */
    private volatile long probeQueuedAt;
    private final Runnable probe = this::probeRan;

    /**
     * Opens the selector and creates (but does not start) the loop thread.
     *
     * @param threadName the thread's name, e.g. {@code ranch-loop-0}
     * @param readBufferSize bytes of the shared read buffer
     * @throws UncheckedIOException when no selector can be opened
     */
    public EventLoop(String threadName, int readBufferSize) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open a selector for " + threadName, e);
        }
        this.readBuffer = ByteBuffer.allocateDirect(readBufferSize);
        this.thread = new LoopThread(this::run, threadName);
    }

    /**
     * Whether the calling thread is the thread of any event loop. Blocking operations such as
     * stopping a listener check this: waiting on a loop from a loop can deadlock it.
     */
    public static boolean inAnyLoop() {
        return Thread.currentThread() instanceof LoopThread;
    }

    /** Starts the loop thread. Called once, by the creator. */
    public void start() {
        thread.start();
    }

    /** Whether the calling thread is this loop's thread. */
    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** The loop thread's name. */
    public String name() {
        return thread.getName();
    }

    /**
     * Says that the running callback now works for {@code subject} (a connection), so that a
     * blocked-loop warning can name it. A plain store, cheap enough for every protocol
     * callback. Loop thread only.
     */
    public void runningFor(Object subject) {
        RUNNING.setOpaque(this, subject);
    }

    /**
     * The latest queued-to-run delay of this loop's lag probe: how long a task queued from
     * another thread waited before it ran, or longer when a probe has been waiting longer than
     * that. {@code -1} before the first probe ran or when probing is off. Any thread.
     */
    public long lagNanos() {
        long measured = (long) LAG.getOpaque(this);
        long queuedAt = probeQueuedAt;
        if (queuedAt != 0) {
            // A probe still waiting shows a blocked loop's lag before the loop returns.
            return Math.max(measured, System.nanoTime() - queuedAt);
        }
        return measured;
    }

    /** Queues a lag probe unless one is in flight. Watchdog thread. */
    void probeLag() {
        if (probeQueuedAt != 0) {
            return;
        }
        long queuedAt = System.nanoTime();
        probeQueuedAt = queuedAt == 0 ? 1 : queuedAt;
        if (!execute(probe)) {
            probeQueuedAt = 0;
        }
    }

    private void probeRan() {
        LAG.setOpaque(this, Math.max(0, now - probeQueuedAt));
        probeQueuedAt = 0;
    }

    /** When the running callback began, or {@link #IDLE}. Watchdog thread. */
    long busySince() {
        return (long) BUSY_SINCE.getAcquire(this);
    }

    /** What the running callback works for, as {@link #runningFor} or the loop last said. Watchdog thread. */
    Object running() {
        return RUNNING.getOpaque(this);
    }

    /** The loop's thread, whose stack a blocked-loop warning shows. */
    Thread thread() {
        return thread;
    }

    /**
     * Queues {@code task} to run on the loop thread, after the tasks already queued by the
     * same thread. Any thread may call this.
     *
     * @return {@code false} if the loop is stopping; the task may then never run
     */
    public boolean execute(Runnable task) {
        if (Thread.currentThread() == thread) {
            tasks.offerFromLoop(task);
        } else if (tasks.offerFromOutside(task)) {
            // TaskInbox says why this cannot miss a loop about to block.
            wakeups.incrementAndGet();
            selector.wakeup();
        }
        return !stopping;
    }

    /** How many times another thread's {@link #execute} woke the selector so far. Any thread. */
    long wakeups() {
        return wakeups.get();
    }

    /**
     * Registers {@code channel} (non-blocking) with this loop's selector. Loop thread only.
     *
     * @throws ClosedChannelException if the channel is already closed
     */
    public SelectionKey register(SelectableChannel channel, int ops, Selectable handler) throws ClosedChannelException {
        assertInLoop();
        return channel.register(selector, ops, handler);
    }

    /** Schedules {@code entry} to expire after {@code delayNanos}. Loop thread only. */
    public void schedule(TimerQueue.Entry entry, long delayNanos) {
        assertInLoop();
        // A fresh reading: a deadline counted from a stale turn clock would fire early.
        timers.schedule(entry, System.nanoTime() + delayNanos);
    }

    /** Cancels {@code entry}; a no-op when it is not scheduled. Loop thread only. */
    public void cancel(TimerQueue.Entry entry) {
        timers.cancel(entry);
    }

    /**
     * The loop's clock: {@link System#nanoTime()} read when a readiness event or a task is
     * dispatched, so that stamping activity on every read costs nothing. Loop thread only.
     */
    public long now() {
        return now;
    }

    /**
     * The loop's read buffer, shared by every connection of the loop. Its content is valid
     * only until the current callback returns. Loop thread only.
     */
    public ByteBuffer readBuffer() {
        return readBuffer;
    }

    /** Whether {@link #stop()} has been called. Any thread. */
    public boolean isStopping() {
        return stopping;
    }

    /** Asks the loop to finish its queued tasks, close what is still registered and exit. Any thread. */
    public void stop() {
        stopping = true;
        selector.wakeup();
    }

    /**
     * Waits for the loop thread to exit after {@link #stop()}.
     *
     * @return {@code true} if it exited within the timeout
     * @throws InterruptedException if the caller is interrupted while waiting
     */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        thread.join(Math.max(1, unit.toMillis(timeout)));
        return !thread.isAlive();
    }

    private void assertInLoop() {
        if (!inLoop()) {
            throw new IllegalStateException("called from " + Thread.currentThread().getName()
                    + ", but only the loop thread " + thread.getName() + " may do this");
        }
    }

    private void run() {
        while (!stopping) {
            try {
                turn();
            } catch (Throwable t) {
                // A bug in the loop itself must not kill the thread that owns every channel on it.
                LOG.error("event loop {} survived an unexpected error", thread.getName(), t);
            }
        }
        closeEverything();
    }

    private void turn() throws IOException {
        if (tasks.isEmpty()) {
            long waitNanos = timers.nanosUntilNext(System.nanoTime());
            armed = true;
            if (tasks.armBeforeBlocking() && !stopping) {
                BUSY_SINCE.setRelease(this, IDLE);
                if (waitNanos < 0) {
                    selector.select(onReady);
                } else if (waitNanos > 0) {
                    selector.select(onReady, Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNanos + 999_999)));
                } else {
                    selector.selectNow(onReady);
                }
            } else {
                selector.selectNow(onReady);
            }
            awake();
        } else {
            selector.selectNow(onReady);
        }
        now = System.nanoTime();
        busy(now, timers);
        timers.expireDue(now);
        runTasks();
    }

    /**
     * Disarms the inbox once the loop is back from {@code select}: from here it polls the
     * queue before it blocks again, so a producer needs to wake it no more.
     */
    private void awake() {
        if (armed) {
            armed = false;
            tasks.disarm();
        }
    }

    /**
     * Publishes the start of a callback for the watchdog: two stores, the subject first, so
     * a watchdog that sees the stamp also sees a subject at least as new.
     */
    private void busy(long since, Object subject) {
        RUNNING.setOpaque(this, subject);
        BUSY_SINCE.setRelease(this, since);
    }

    private void dispatch(SelectionKey key) {
        // select(Consumer) dispatches before it returns; the first ready channel says the loop is awake.
        awake();
        now = System.nanoTime();
        Selectable handler = (Selectable) key.attachment();
        busy(now, handler);
        try {
            handler.onReady(key);
        } catch (Throwable t) {
            LOG.error("handler on {} threw; closing its channel", thread.getName(), t);
            forceClose(key, t);
        }
    }

    private void runTasks() {
        for (int i = 0; i < MAX_TASKS_PER_TURN; i++) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            // Tasks may take a while under load; each one sees the time it runs at.
            now = System.nanoTime();
            busy(now, task);
            try {
                task.run();
            } catch (Throwable t) {
                LOG.error("task on {} threw", thread.getName(), t);
            }
        }
    }

    private void closeEverything() {
        // Tasks queued before stop() still run: a hand-off sees isStopping() and closes its channel.
        Runnable task;
        while ((task = tasks.poll()) != null) {
            try {
                task.run();
            } catch (Throwable t) {
                LOG.error("task on {} threw while stopping", thread.getName(), t);
            }
        }
        for (SelectionKey key : selector.keys()) {
            forceClose(key, new ClosedChannelException());
        }
        try {
            // Flushes the cancelled keys so the kernel releases their descriptors now.
            selector.selectNow();
            selector.close();
        } catch (IOException e) {
            LOG.debug("closing the selector of {} failed", thread.getName(), e);
        }
    }

    /** Marks loop threads, so {@link #inAnyLoop()} needs no registry of loops. */
    private static final class LoopThread extends Thread {
        LoopThread(Runnable body, String name) {
            super(body, name);
        }
    }

    /** Lets the handler release what it holds (a connection its slot); closes the channel regardless. */
    private static void forceClose(SelectionKey key, Throwable cause) {
        try {
            ((Selectable) key.attachment()).forceClose(cause);
        } catch (Throwable t) {
            LOG.error("force-closing a handler threw", t);
        }
        closeQuietly(key);
    }

    private static void closeQuietly(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // Closing is best effort; the descriptor is released either way.
        }
    }
}
