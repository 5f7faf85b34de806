package dev.ranch.core.internal.loop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One daemon thread per {@link EventLoopGroup}, named {@code ranch-loop-watchdog}, that warns
 * when a loop callback runs too long and queues the loops' lag probes. The loops pay nothing
 * for it but one release store of the clock reading they take anyway, and one opaque store of
 * what they run, per callback.
 *
 * <p><b>Blocked loops.</b> Each tick reads every loop's {@code busySince}. When one callback
 * has been running for {@code blockedThreshold} or longer, it logs one WARN naming the loop,
 * what the callback works for (the connection and its listener when a protocol callback is
 * running) and the loop thread's stack; when the loop has moved on, one INFO says how long
 * the callback ran, to within a tick. An episode is one value of {@code busySince}, so a long
 * callback warns once however many ticks see it.
 *
 * <p><b>Why a stale read delays a warning and does not invent one, and what can.</b> The loop
 * writes {@code busySince} only forward in time (a newer clock reading, or {@code IDLE} before
 * it blocks in {@code select}), and the watchdog reads it with acquire loads, so by coherence
 * the watchdog sees the values in the loop's order and never goes back to an older one. A
 * read that lags shows the watchdog a callback that began <em>earlier</em> than the one
 * running: from the stale value alone the watchdog cannot tell whether that callback is still
 * running, so the Java memory model by itself would allow a warning for a callback that had
 * already returned. Two things close that gap: a warning is given only once the same value has
 * been read on two ticks at least one tick apart, and after the stack is taken (a handshake with
 * the loop thread, which HotSpot implements with atomic operations on both threads) the value
 * is read again and the warning dropped if it changed. A false warning would therefore need the
 * loop's store to stay invisible for longer than a tick and across a thread handshake; HotSpot
 * does not do this. The name in the warning comes from a second, opaque field that
 * {@code runningFor} also writes after the stamp; the memory model alone would let it belong
 * to a newer callback than the stamp's (not on x86, whose stores are seen in order), so the
 * stack is the authority on what blocked. The false positive that remains is real time the loop did not run for its own reasons:
 * a stop-the-world GC pause or the OS not scheduling the loop thread for {@code threshold} (on
 * a machine loaded far beyond its cores). The stack then shows where the loop was, which is
 * innocent; the INFO's duration shows the pause. Missing a warning is possible by design: a
 * callback shorter than {@code threshold + tick} may end between ticks.
 *
 * <p><b>Lag.</b> Every {@code lagInterval} each loop gets one probe task queued from this
 * thread unless its previous probe is still waiting; the loop records the delay from queueing
 * to running. Cost per loop and interval: one task, one selector wake-up when the loop was
 * idle, two clock readings.
 */
final class LoopWatchdog {

    private static final Logger LOG = LoggerFactory.getLogger(LoopWatchdog.class);

    private final List<EventLoop> loops;
    private final long thresholdNanos;
    private final long lagIntervalNanos;
    private final long tickNanos;
    private final Thread thread;
    /** Per loop: the busySince value seen on the previous tick, the one warned about, and when that was seen first. */
    private final long[] seen;
    private final long[] warned;
    private volatile boolean stopping;

    /**
     * @param thresholdNanos a callback running this long is reported; 0 turns the check off
     * @param lagIntervalNanos how often each loop's lag is probed; 0 turns probing off
     */
    LoopWatchdog(List<EventLoop> loops, long thresholdNanos, long lagIntervalNanos) {
        this.loops = loops;
        this.thresholdNanos = thresholdNanos;
        this.lagIntervalNanos = lagIntervalNanos;
        long tick = Long.MAX_VALUE;
        if (thresholdNanos > 0) {
            // A quarter of the threshold: a blocked loop is reported at most 25 % late.
            tick = Math.max(TimeUnit.MILLISECONDS.toNanos(10), thresholdNanos / 4);
        }
        if (lagIntervalNanos > 0) {
            tick = Math.min(tick, lagIntervalNanos);
        }
        this.tickNanos = tick;
        this.seen = new long[loops.size()];
        this.warned = new long[loops.size()];
        java.util.Arrays.fill(seen, EventLoop.IDLE);
        java.util.Arrays.fill(warned, EventLoop.IDLE);
        this.thread = new Thread(this::run, "ranch-loop-watchdog");
        thread.setDaemon(true);
    }

    /** Whether anything is turned on; a watchdog with nothing to do is never started. */
    boolean enabled() {
        return thresholdNanos > 0 || lagIntervalNanos > 0;
    }

    void start() {
        thread.start();
    }

    void stop() {
        stopping = true;
        LockSupport.unpark(thread);
    }

    /** Waits for the thread to exit after {@link #stop()}; at once when it never started. */
    boolean awaitTermination(long nanos) throws InterruptedException {
        if (thread.getState() == Thread.State.NEW) {
            return true;
        }
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos)));
        return !thread.isAlive();
    }

    private void run() {
        long nextProbe = System.nanoTime();
        while (!stopping) {
            LockSupport.parkNanos(this, tickNanos);
            long now = System.nanoTime();
            if (lagIntervalNanos > 0 && now - nextProbe >= 0) {
                nextProbe = now + lagIntervalNanos;
                for (EventLoop loop : loops) {
                    loop.probeLag();
                }
            }
            if (thresholdNanos > 0) {
                for (int i = 0; i < loops.size(); i++) {
                    check(i, loops.get(i));
                }
            }
        }
    }

    private void check(int i, EventLoop loop) {
        long since = loop.busySince();
        long now = System.nanoTime();
        long previous = seen[i];
        seen[i] = since;
        if (warned[i] != EventLoop.IDLE && since != warned[i]) {
            long tookNanos = (since == EventLoop.IDLE ? now : since) - warned[i];
            LOG.info("event loop {} returned after about {} ms", loop.name(), TimeUnit.NANOSECONDS.toMillis(tookNanos));
            warned[i] = EventLoop.IDLE;
        }
        if (since == EventLoop.IDLE || since != previous || since == warned[i] || now - since < thresholdNanos) {
            return;
        }
        Object subject = loop.running();
        StackTraceElement[] stack = loop.thread().getStackTrace();
        if (loop.busySince() != since) {
            return;
        }
        warned[i] = since;
        Throwable where = new Throwable("stack of " + loop.name());
        where.setStackTrace(stack);
        LOG.warn("event loop {} blocked for {} ms (blockedThreshold {} ms) in a callback for {}; every other "
                        + "connection of this loop waits. Move blocking work off the loop.",
                loop.name(), TimeUnit.NANOSECONDS.toMillis(now - since), TimeUnit.NANOSECONDS.toMillis(thresholdNanos),
                describe(subject), where);
    }

    private static String describe(Object subject) {
        if (subject == null) {
            return "nothing named";
        }
        if (subject instanceof TimerQueue) {
            return "the loop's timers";
        }
        return subject.toString();
    }
}
