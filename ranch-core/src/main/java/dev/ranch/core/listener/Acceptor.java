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
 * One acceptor thread's loop: reserve a slot, accept, hand over, repeat. No protocol work
 * and nothing logged per connection, so the loop stays as fast as {@code accept()}.
 */
final class Acceptor implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(Acceptor.class);

    /** Pause after a failed accept, so that running out of descriptors does not spin a core. */
    private static final long BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final Listener listener;
    private final ServerSocketChannel server;
    private final ConnectionSupervisor supervisor;
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
                supervisor.reserve(shard);
            } catch (InterruptedException e) {
                return;
            }
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (ClosedChannelException e) {
                // Closed by stop(), or interrupted by it: either way this acceptor is done.
                supervisor.unreserve(shard);
                return;
            } catch (IOException e) {
                supervisor.unreserve(shard);
                backOff(e);
                continue;
            }
            listener.handOff(channel, shard);
        }
    }

    private void backOff(IOException e) {
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
