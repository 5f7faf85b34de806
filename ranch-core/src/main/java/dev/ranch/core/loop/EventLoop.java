package dev.ranch.core.loop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
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
 * cost none.
 */
public final class EventLoop {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

    /** Tasks run per turn before the loop polls its channels again, so I/O is not starved. */
    private static final int MAX_TASKS_PER_TURN = 4096;

    private final Selector selector;
    private final TaskInbox tasks = new TaskInbox();
    private final TimerQueue timers = new TimerQueue();
    private final ByteBuffer readBuffer;
    private final Thread thread;
    private final Consumer<SelectionKey> onReady = this::dispatch;
    private volatile boolean stopping;
    private long now = System.nanoTime();

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
            selector.wakeup();
        }
        return !stopping;
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
            if (tasks.armBeforeBlocking() && !stopping) {
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
            tasks.disarm();
        } else {
            selector.selectNow(onReady);
        }
        now = System.nanoTime();
        timers.expireDue(now);
        runTasks();
    }

    private void dispatch(SelectionKey key) {
        now = System.nanoTime();
        Selectable handler = (Selectable) key.attachment();
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
