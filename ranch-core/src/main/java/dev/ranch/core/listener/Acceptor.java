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
 * One acceptor thread's loop: wait for room, accept, take the slot, hand over, repeat. No
 * protocol work and nothing logged per connection, so the loop stays as fast as
 * {@code accept()}.
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
    private final AtomicLong lastWarning;

    Acceptor(Listener listener, ServerSocketChannel server, ConnectionSupervisor supervisor, int shard,
             AtomicLong lastWarning) {
        this.listener = listener;
        this.server = server;
        this.supervisor = supervisor;
        this.shard = shard;
        this.lastWarning = lastWarning;
    }

    @Override
    public void run() {
        while (listener.isAccepting()) {
            try {
                supervisor.awaitRoom(shard);
            } catch (InterruptedException e) {
                return;
            }
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                // Closed by stop(), or interrupted by it: either way this acceptor is done.
                return;
            } catch (IOException | RuntimeException e) {
                backOff(e);
                continue;
            }
            int slotShard;
            try {
                // Usually free at once; parks only when other acceptors took the last slots.
                slotShard = supervisor.acquire(shard);
            } catch (InterruptedException e) {
                listener.dropUnserved(channel);
                return;
            }
            listener.handOff(channel, slotShard);
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
