package dev.ranch.core.listener;

import dev.ranch.core.connection.SocketConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts a listener's connections and enforces {@code maxConnections} (Ranch's
 * {@code ranch_conns_sup}).
 *
 * <p><b>The limit is hard and global; the count is striped.</b> The limit is split into
 * {@code numConnsSups} shards ({@code max / n} each, plus one for the first {@code max % n},
 * so the shares add up to the limit exactly), each an atomic counter. An acceptor takes a
 * slot from its preferred shard with one CAS, so acceptors do not contend on one counter;
 * when that shard is full it borrows from any shard with room. Only when every shard is full
 * does it park, on the one condition that every release signals while someone waits. The
 * sum of the shards never exceeds their shares, so the served count never exceeds the limit.
 *
 * <p><b>Accept, then take.</b> An acceptor waits until some shard has room
 * ({@link #awaitRoom}, taking nothing), calls {@code accept()}, then takes the slot
 * ({@link #acquire}). At the limit acceptors stop accepting and clients wait in the kernel
 * backlog. An idle acceptor holds no slot, so none is stranded on an {@code SO_REUSEPORT}
 * socket that has no clients. Acceptors that race for the last slot park holding their
 * accepted socket until any slot frees: at most {@code numAcceptors} sockets wait that way,
 * accepted but neither served nor counted.
 *
 * <p>Lost wake-ups are impossible: a parking thread announces itself in {@code waiting}
 * before it re-checks the shards under {@code parkLock}; a releasing thread decrements its
 * shard before it reads {@code waiting}. Both are sequentially consistent atomics, so either
 * the parker sees the freed slot or the releaser sees the parker and signals under the lock.
 */
public final class ConnectionSupervisor {

    private final AtomicInteger[] held;
    private final int[] shares;
    private final int maxConnections;
    private final ReentrantLock parkLock = new ReentrantLock();
    private final Condition slotFreed = parkLock.newCondition();
    private final AtomicInteger waiting = new AtomicInteger();
    private final Set<SocketConnection> live = ConcurrentHashMap.newKeySet();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private final LongAdder crashes = new LongAdder();

    /**
     * @param maxConnections the limit, or {@link ListenerOptions#INFINITY}
     * @param shardCount number of shards, at least 1
     */
    public ConnectionSupervisor(int maxConnections, int shardCount) {
        this.maxConnections = maxConnections;
        this.held = new AtomicInteger[shardCount];
        this.shares = new int[shardCount];
        for (int i = 0; i < shardCount; i++) {
            held[i] = new AtomicInteger();
            shares[i] = maxConnections == ListenerOptions.INFINITY
                    ? Integer.MAX_VALUE
                    : maxConnections / shardCount + (i < maxConnections % shardCount ? 1 : 0);
        }
    }

    /** The number of shards. */
    public int shardCount() {
        return held.length;
    }

    /** The limit this supervisor enforces, or {@link ListenerOptions#INFINITY}. */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * Parks until some shard has a free slot, without taking it. Acceptor threads.
     *
     * @throws InterruptedException when the listener stops while waiting
     */
    void awaitRoom(int preferred) throws InterruptedException {
        if (findRoom(preferred) >= 0) {
            return;
        }
        park(preferred, false);
    }

    /**
     * Takes a slot, from {@code preferred} if it has room, else from any shard that has,
     * parking while none has. Acceptor threads.
     *
     * @return the shard the slot was taken from; release it there
     * @throws InterruptedException when the listener stops while waiting
     */
    int acquire(int preferred) throws InterruptedException {
        int shard = tryAcquire(preferred);
        return shard >= 0 ? shard : park(preferred, true);
    }

    /** Gives back a slot of {@code shard} whose hand-off produced no connection. Acceptor threads. */
    void releaseSlot(int shard) {
        held[shard].decrementAndGet();
        if (waiting.get() > 0) {
            parkLock.lock();
            try {
                slotFreed.signalAll();
            } finally {
                parkLock.unlock();
            }
        }
    }

    /** Turns a taken slot into a live connection. Acceptor thread, before the hand-off. */
    void started(SocketConnection connection) {
        accepted.increment();
        live.add(connection);
    }

    /**
     * Frees the slot of a connection that has closed. Called by its owner loop (or by the
     * acceptor when the hand-off fails); only the first call for a connection frees anything.
     *
     * @return whether this call freed the slot
     */
    public boolean release(SocketConnection connection) {
        if (live.remove(connection)) {
            releaseSlot(connection.shard());
            return true;
        }
        return false;
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
     * Waits until every slot is free: no live connection and no acceptor holding a slot.
     *
     * @return {@code true} if that happened before the timeout
     */
    boolean awaitEmpty(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        parkLock.lockInterruptibly();
        waiting.incrementAndGet();
        try {
            while (totalHeld() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                slotFreed.awaitNanos(left);
            }
            return true;
        } finally {
            waiting.decrementAndGet();
            parkLock.unlock();
        }
    }

    private int park(int preferred, boolean take) throws InterruptedException {
        parkLock.lockInterruptibly();
        waiting.incrementAndGet();
        try {
            while (true) {
                int shard = take ? tryAcquire(preferred) : findRoom(preferred);
                if (shard >= 0) {
                    return shard;
                }
                slotFreed.await();
            }
        } finally {
            waiting.decrementAndGet();
            parkLock.unlock();
        }
    }

    /** Takes a slot from the first shard with room, starting at {@code preferred}; -1 if none. */
    private int tryAcquire(int preferred) {
        int n = held.length;
        for (int k = 0; k < n; k++) {
            int shard = (preferred + k) % n;
            AtomicInteger count = held[shard];
            int h;
            while ((h = count.get()) < shares[shard]) {
                if (count.compareAndSet(h, h + 1)) {
                    return shard;
                }
            }
        }
        return -1;
    }

    private int findRoom(int preferred) {
        int n = held.length;
        for (int k = 0; k < n; k++) {
            int shard = (preferred + k) % n;
            if (held[shard].get() < shares[shard]) {
                return shard;
            }
        }
        return -1;
    }

    private int totalHeld() {
        int sum = 0;
        for (AtomicInteger count : held) {
            sum += count.get();
        }
        return sum;
    }
}
