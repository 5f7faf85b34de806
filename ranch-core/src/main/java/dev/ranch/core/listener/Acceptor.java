package dev.ranch.core.listener;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One acceptor thread's loop: wait for room (and for the accept rate), accept, take the slot,
 * hand over, repeat. No protocol work and nothing logged per connection, so the loop stays as
 * fast as {@code accept()}. It ends when its listen channel is closed or its thread is
 * interrupted (suspend, stop).
 */
final class Acceptor implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);

    /** Pause after a failed accept, so that running out of descriptors does not spin a core. */
    private static final long BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Listener listener;
    private final ServerSocketChannel server;
    private final ConnectionSupervisor supervisor;
    /** The shard this acceptor takes slots from first. */
    private final int shard;
    private final AcceptRateLimiter rateLimiter;
    private final AtomicLong lastWarning;

    Acceptor(Listener listener, ServerSocketChannel server, ConnectionSupervisor supervisor, int shard,
             AcceptRateLimiter rateLimiter, AtomicLong lastWarning) {
        this.listener = listener;
        this.server = server;
        this.supervisor = supervisor;
        this.shard = shard;
        this.rateLimiter = rateLimiter;
        this.lastWarning = lastWarning;
    }

    @Override
    public void run() {
        while (!Thread.currentThread().isInterrupted()) {
            AtLimit policy = listener.options().atLimit();
            try {
                if (policy == AtLimit.WAIT) {
                    supervisor.awaitRoom(shard);
                }
                awaitRate();
            } catch (InterruptedException e) {
                return;
            }
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                // Closed by suspend or stop, or interrupted by them: this acceptor is done.
                return;
            } catch (IOException | RuntimeException e) {
                backOff(e);
                continue;
            }
            int slot;
            if (policy == AtLimit.WAIT) {
                try {
                    // Usually free at once; parks only when other acceptors took the last slots.
                    slot = supervisor.acquire(shard);
                } catch (InterruptedException e) {
                    listener.dropUnserved(channel);
                    return;
                }
            } else {
                slot = supervisor.tryAcquire(shard);
            }
            if (slot >= 0) {
                listener.handOff(channel, slot);
            } else {
                listener.refuse(channel, policy);
            }
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
