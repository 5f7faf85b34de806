package dev.ranch.core.listener;

import dev.ranch.core.connection.SocketConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts a listener's connections and enforces {@code maxConnections} (Ranch's
 * {@code ranch_conns_sup}).
 *
 * <p>The limit is hard and global, but the counting is sharded so acceptors do not contend
 * on one lock: shard {@code i} owns a share of the limit ({@code max / n}, plus one for the
 * first {@code max % n} shards, so the shares add up to the limit exactly), and acceptor
 * {@code a} takes its slots from shard {@code a % n}. An acceptor reserves a slot
 * <em>before</em> it calls {@code accept()}; at the limit it parks on its shard's condition,
 * so excess clients wait in the kernel backlog and no socket is ever accepted beyond the
 * limit. A shard that is full parks only its own acceptors; the others keep accepting while
 * their shares have room, so the listener as a whole serves up to the limit.
 *
 * <p>Thread-safety: reserve and release take the shard's lock; the set of live connections
 * is concurrent. Counters are {@link LongAdder}s.
 */
public final class ConnectionSupervisor {

    private final Shard[] shards;
    private final Set<SocketConnection> live = ConcurrentHashMap.newKeySet();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private final LongAdder crashes = new LongAdder();
    private final int maxConnections;

    /**
     * @param maxConnections the limit, or {@link ListenerOptions#INFINITY}
     * @param shardCount number of shards, at least 1
     */
    public ConnectionSupervisor(int maxConnections, int shardCount) {
        this.maxConnections = maxConnections;
        this.shards = new Shard[shardCount];
        for (int i = 0; i < shardCount; i++) {
            int share = maxConnections == ListenerOptions.INFINITY
                    ? Integer.MAX_VALUE
                    : maxConnections / shardCount + (i < maxConnections % shardCount ? 1 : 0);
            shards[i] = new Shard(share);
        }
    }

    /** The number of shards. */
    public int shardCount() {
        return shards.length;
    }

    /** The limit this supervisor enforces, or {@link ListenerOptions#INFINITY}. */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * Reserves a slot in {@code shard}, parking while the shard is at its share of the limit.
     * Acceptor threads.
     *
     * @throws InterruptedException when the listener stops while waiting
     */
    void reserve(int shard) throws InterruptedException {
        shards[shard].reserve();
    }

    /** Gives back a reserved slot whose {@code accept()} produced no connection. Acceptor threads. */
    void unreserve(int shard) {
        shards[shard].release();
    }

    /** Turns a reserved slot into a live connection. Acceptor thread, before the hand-off. */
    void started(SocketConnection connection) {
        accepted.increment();
        live.add(connection);
    }

    /** Frees the slot of a connection that has closed. Called once per connection, by its owner loop. */
    public void release(SocketConnection connection) {
        if (live.remove(connection)) {
            shards[connection.shard()].release();
        }
    }

    /** Counts a connection whose transport handshake failed or timed out. Any thread. */
    public void recordHandshakeFailure() {
        handshakeFailures.increment();
    }

    /** Counts a protocol callback that threw. Any thread. */
    public void recordCrash() {
        crashes.increment();
    }

    /** Connections accepted and not yet closed. Any thread. */
    public int activeConnections() {
        return live.size();
    }

    /** A snapshot of the live connections. Any thread. */
    List<SocketConnection> liveConnections() {
        return new ArrayList<>(live);
    }

    long totalAccepted() {
        return accepted.sum();
    }

    long handshakeFailures() {
        return handshakeFailures.sum();
    }

    long crashes() {
        return crashes.sum();
    }

    /**
     * Waits until every slot is free: no live connection and no acceptor holding a
     * reservation.
     *
     * @return {@code true} if that happened before the deadline
     */
    boolean awaitEmpty(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Shard shard : shards) {
            if (!shard.awaitEmpty(deadline)) {
                return false;
            }
        }
        return true;
    }

    /** One share of the limit, with the acceptors parked on it. */
    private static final class Shard {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition slotFreed = lock.newCondition();
        private final Condition emptied = lock.newCondition();
        private final int limit;
        private int held;

        Shard(int limit) {
            this.limit = limit;
        }

        void reserve() throws InterruptedException {
            lock.lockInterruptibly();
            try {
                while (held >= limit) {
                    slotFreed.await();
                }
                held++;
            } finally {
                lock.unlock();
            }
        }

        void release() {
            lock.lock();
            try {
                held--;
                slotFreed.signal();
                if (held == 0) {
                    emptied.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }

        boolean awaitEmpty(long deadline) throws InterruptedException {
            lock.lock();
            try {
                while (held > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    emptied.awaitNanos(left);
                }
                return true;
            } finally {
                lock.unlock();
            }
        }
    }
}
