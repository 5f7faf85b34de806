package dev.ranch.core.internal.listener;

import dev.ranch.core.listener.AtLimit;
import dev.ranch.core.listener.Listener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * One acceptor thread's loop: wait for room, accept, wait for the accept rate, take the slot,
 * hand over (or refuse by the policy), repeat. No protocol work and nothing logged per connection, so the loop stays as
 * fast as {@code accept()}. It ends when its listen channel is closed or its thread is
 * interrupted (suspend, stop).
 *
 * <p>Stopping closes the channel first and interrupts only an acceptor that is not inside
 * {@code accept()} ({@link #wake}): on JDK 25 an interrupt that lands while the kernel is
 * handing over a connection makes {@code accept()} throw {@code ClosedByInterruptException}
 * and lose the new socket, which then stays open with nobody to serve or close it (JDK 17
 * returns it instead). Closing alone wakes a thread blocked in {@code accept()}.
 */
final class Acceptor implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);

    /** Pause after a failed accept, so that running out of descriptors does not spin a core. */
    private static final long BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Listener listener;
    private final AcceptedChannels accepted;
    private final ServerSocketChannel server;
    private final ConnectionSupervisor supervisor;
    /** The shard this acceptor takes slots from first. */
    private final int shard;
    private final AcceptRateLimiter rateLimiter;
    private final AtomicLong lastWarning;
    /**
     * Set before {@code accept()} and cleared after it. The stopping thread closes the channel,
     * then reads this: {@code false} means this thread is not in {@code accept()} and any
     * later call finds the channel closed, so interrupting cannot strand a socket;
     * {@code true} means the close alone will wake it. Both sides are volatile accesses, so
     * the stopping thread cannot see {@code false} while this thread is inside the call.
     */
    private volatile boolean accepting;

    Acceptor(Listener listener, AcceptedChannels accepted, ServerSocketChannel server, ConnectionSupervisor supervisor, int shard,
             AcceptRateLimiter rateLimiter, AtomicLong lastWarning) {
        this.listener = listener;
        this.accepted = accepted;
        this.server = server;
        this.supervisor = supervisor;
        this.shard = shard;
        this.rateLimiter = rateLimiter;
        this.lastWarning = lastWarning;
    }

    @Override
    public void run() {
        // A policy changed by setOptions must reach an acceptor parked for room or a slot.
        BooleanSupplier notWaiting = () -> listener.options().atLimit() != AtLimit.WAIT;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (listener.options().atLimit() == AtLimit.WAIT) {
                    supervisor.awaitRoom(shard, notWaiting);
                }
            } catch (InterruptedException e) {
                return;
            }
            SocketChannel channel;
            accepting = true;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                // Closed by suspend or stop, or interrupted by them: this acceptor is done.
                return;
            } catch (IOException | RuntimeException e) {
                accepting = false;
                backOff(e);
                continue;
            } finally {
                accepting = false;
            }
            if (!admit(channel, notWaiting)) {
                return;
            }
        }
    }

    /**
     * Takes the accept-rate turn and a slot for {@code channel} and hands it over, or refuses
     * it by the policy in force now (read after {@code accept()}, as it may have changed
     * while this acceptor was blocked there).
     *
     * @return {@code false} if the acceptor was interrupted and must end
     */
    private boolean admit(SocketChannel channel, BooleanSupplier notWaiting) {
        int slot;
        try {
            // Booked after accept(), so a quiet spell cannot leave every acceptor holding an
            // old, already-due turn: a quiet period buys the configured burst, not more.
            awaitRate();
            slot = listener.options().atLimit() == AtLimit.WAIT
                    ? supervisor.acquire(shard, notWaiting)
                    : supervisor.tryAcquire(shard);
        } catch (InterruptedException e) {
            accepted.dropUnserved(channel);
            return false;
        }
        if (slot >= 0) {
            accepted.handOff(channel, slot);
        } else {
            AtLimit policy = listener.options().atLimit();
            accepted.refuse(channel, policy == AtLimit.WAIT ? AtLimit.CLOSE : policy);
        }
        return true;
    }

    /** Whether this acceptor is inside {@code accept()}, holding no accepted client. Any thread. */
    boolean inAccept() {
        return accepting;
    }

    /**
     * Wakes this acceptor's thread for a stop, after its channel was closed: interrupts it
     * unless it is inside {@code accept()}, which the close has already woken. Stopping thread.
     */
    void wake(Thread thread) {
        if (!accepting) {
            thread.interrupt();
        }
    }

    private void awaitRate() throws InterruptedException {
        if (rateLimiter == null) {
            return;
        }
        long wait = rateLimiter.book(System.nanoTime());
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private void backOff(Exception e) {
        long now = System.nanoTime();
        long last = lastWarning.get();
        // One warning per second per listener however many acceptors fail at once.
        if (now - last >= WARN_INTERVAL_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warn("listener '{}' could not accept ({}); backing off {} ms per acceptor",
                    listener.name(), e.toString(), TimeUnit.NANOSECONDS.toMillis(BACKOFF_NANOS));
        }
        LockSupport.parkNanos(this, BACKOFF_NANOS);
    }
}
