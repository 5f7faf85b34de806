package dev.ranch.core.internal.listener;

import dev.ranch.core.listener.ConnectionInfo;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.listener.ListenerOptions;
import dev.ranch.core.internal.connection.ConnectionOwner;
import dev.ranch.core.internal.connection.SocketConnection;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Counts a listener's connections and enforces {@code maxConnections} (Ranch's
 * {@code ranch_conns_sup}).
 *
 * <p><b>The limit is hard and global; the count is striped.</b> The limit is split into
 * {@code numShards} shards ({@code max / n} each, plus one for the first {@code max % n},
 * so the shares add up to the limit exactly), each an atomic counter. An acceptor takes a
 * slot from its preferred shard with one CAS, so acceptors do not contend on one counter;
 * when that shard is full it borrows from any shard with room. Only when every shard is full
 * does it park, on the one condition that every release signals while someone waits.
 *
 * <p><b>Accept, then take.</b> An acceptor waits until some shard has room
 * ({@link #awaitRoom}, taking nothing), calls {@code accept()}, then takes the slot
 * ({@link #acquire}). An idle acceptor holds no slot, so none is stranded on an
 * {@code SO_REUSEPORT} socket that has no clients. Acceptors that race for the last slot
 * park holding their accepted socket until any slot frees.
 *
 * <p><b>Changing the limit.</b> {@link #setMaxConnections} publishes new shares. Raising wakes
 * every parked acceptor. Lowering keeps existing connections; while some shard holds more
 * than its new share, the supervisor is <em>constrained</em>: every acquire takes the park
 * lock and checks the total, so the shards with room cannot admit anyone until the total is
 * below the new limit. The first acquire that finds every shard within its share lifts it.
 * Every change passes through the constrained state before it reads the counters, which shuts
 * the lock-free path while they are read; {@link #fastAcquire} gives the ordering argument.
 *
 * <p>Lost wake-ups are impossible: a parking thread announces itself in {@code waiting}
 * before it re-checks under {@code parkLock}; a releasing thread decrements before it reads
 * {@code waiting}. Both are sequentially consistent atomics, so either the parker sees the
 * freed slot or the releaser sees the parker and signals under the lock.
 */
public final class ConnectionSupervisor implements ConnectionOwner {

    /** The limit and its split; replaced whole, never mutated. */
    private record Limits(int max, int[] shares, boolean constrained) {
        static Limits of(int max, int shardCount) {
            int[] shares = new int[shardCount];
            for (int i = 0; i < shardCount; i++) {
                shares[i] = max == ListenerOptions.INFINITY
                        ? Integer.MAX_VALUE
                        : max / shardCount + (i < max % shardCount ? 1 : 0);
            }
            return new Limits(max, shares, false);
        }

        /** The same shares, with the fast path shut and the total checked under the lock. */
        Limits constrain() {
            return new Limits(max, shares, true);
        }
    }

    private final AtomicInteger[] held;
    private volatile Limits limits;
    private final ReentrantLock parkLock = new ReentrantLock();
    private final Condition changed = parkLock.newCondition();
    private final AtomicInteger waiting = new AtomicInteger();
    private final Set<SocketConnection> live = ConcurrentHashMap.newKeySet();
    private final AtomicInteger uncounted = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder handshakeFailures = new LongAdder();
    private final LongAdder crashes = new LongAdder();
    /** Bytes of the connections already closed; the live ones' are summed when asked. */
    private final LongAdder closedBytesIn = new LongAdder();
    private final LongAdder closedBytesOut = new LongAdder();
    /** The largest totals reported so far, so that the sums never go down (see {@link #bytesIn()}). */
    private final AtomicLong reportedBytesIn = new AtomicLong();
    private final AtomicLong reportedBytesOut = new AtomicLong();

    private final Listener listener;
    private final String description;

    /**
     * @param listener the listener whose connections this supervises
     * @param maxConnections the limit, or {@link ListenerOptions#INFINITY}
     * @param shardCount number of shards, at least 1
     */
    public ConnectionSupervisor(Listener listener, int maxConnections, int shardCount) {
        this(listener, "listener '" + listener.name() + "'", maxConnections, shardCount);
    }

    /**
     * A supervisor of no listener, for exercising the limit on its own (the jcstress tests);
     * {@link #listener()} is then {@code null}.
     */
    ConnectionSupervisor(String description, int maxConnections, int shardCount) {
        this(null, description, maxConnections, shardCount);
    }

    private ConnectionSupervisor(Listener listener, String description, int maxConnections, int shardCount) {
        this.listener = listener;
        this.description = description;
        this.held = new AtomicInteger[shardCount];
        for (int i = 0; i < shardCount; i++) {
            held[i] = new AtomicInteger();
        }
        this.limits = Limits.of(maxConnections, shardCount);
    }

    /** The number of shards. */
    public int shardCount() {
        return held.length;
    }

    /** The limit this supervisor enforces, or {@link ListenerOptions#INFINITY}. */
    public int maxConnections() {
        return limits.max();
    }

    /**
     * Changes the limit now. Raising admits waiting clients at once; lowering keeps existing
     * connections and admits new ones only below the new limit. Any thread.
     *
     * <p>Three steps, in this order, under {@code parkLock} (so no locked acquire interleaves):
     * <ol>
     *   <li>publish the new shares <em>constrained</em>, which shuts the lock-free
     *       {@link #fastAcquire} path;</li>
     *   <li>read every shard's counter ({@link #overShare});</li>
     *   <li>publish the new shares unconstrained if no shard is over its share; else leave them
     *       constrained, so that acquires check the total until the old connections drain.</li>
     * </ol>
     * Why a fast acquire can no longer slip past: see {@link #fastAcquire}.
     */
    public void setMaxConnections(int max) {
        parkLock.lock();
        try {
            Limits next = Limits.of(max, held.length);
            limits = next.constrain();
            if (!overShare(next)) {
                limits = next;
            }
            changed.signalAll();
        } finally {
            parkLock.unlock();
        }
    }

    /**
     * Parks until a slot is free, without taking it, or until {@code giveUp} holds (checked
     * whenever the limits or counts change). Acceptor threads.
     *
     * @throws InterruptedException when the listener stops or suspends while waiting
     */
    void awaitRoom(int preferred, BooleanSupplier giveUp) throws InterruptedException {
        if (!limits.constrained() && findRoom(preferred, limits) >= 0) {
            return;
        }
        park(preferred, false, giveUp);
    }

    /**
     * Takes a slot without waiting.
     *
     * @return the shard the slot was taken from, or -1 at the limit
     */
    int tryAcquire(int preferred) {
        int shard = fastAcquire(preferred);
        if (shard >= 0) {
            return shard;
        }
        parkLock.lock();
        try {
            return acquireLocked(preferred);
        } finally {
            parkLock.unlock();
        }
    }

    /**
     * Takes a slot, from {@code preferred} if it has room, else from any shard that has,
     * parking while none has, unless {@code giveUp} holds. Acceptor threads.
     *
     * @return the shard the slot was taken from (release it there), or -1 if it gave up
     * @throws InterruptedException when the listener stops or suspends while waiting
     */
    int acquire(int preferred, BooleanSupplier giveUp) throws InterruptedException {
        int shard = fastAcquire(preferred);
        return shard >= 0 ? shard : park(preferred, true, giveUp);
    }

    /**
     * One CAS on a shard's counter, kept only if the limits did not change meanwhile;
     * otherwise the slot goes back and the caller takes the locked path.
     *
     * <p>Why the re-read suffices. Every access involved is sequentially consistent (the
     * volatile reads and writes of {@code limits}, the counters' {@code get} and CAS), so they
     * fall in one total order consistent with each thread's program order. Every publication
     * of unconstrained limits {@code U} follows the same pattern under {@code parkLock}: first
     * a constrained limits {@code C} is the current value (written by
     * {@link #setMaxConnections}, or left by an earlier one and lifted by
     * {@link #liftConstraintIfDrained}), then the counters are read, then {@code U} is written.
     * Take our CAS on shard {@code s} under the limits {@code l} we read first:
     * <ul>
     *   <li>if {@code l} is {@code C} or anything constrained, we returned before the CAS;</li>
     *   <li>if {@code l} is {@code U} or newer, the slot was taken under the limits in force,
     *       and the next publication accounts for it in its own read of the counters;</li>
     *   <li>if {@code l} is older than {@code C}, and our CAS comes before the read of
     *       {@code held[s]}, that read sees our take and decides on it (over its share, the
     *       new limits stay constrained);</li>
     *   <li>if {@code l} is older than {@code C} and our CAS comes after that read, it comes
     *       after {@code C}'s write too, and so does our re-read: it sees {@code C} or a later
     *       value, never {@code l} again (each publication is a new object), so we undo.</li>
     * </ul>
     * So no take under old limits survives unseen by the publication of new ones. A take that
     * is undone was briefly visible in its counter; that can only make other threads refuse or
     * stay constrained a little longer, never admit too many.
     *
     * <p>The earlier code read the counters before publishing anything: a CAS and the re-read
     * could both fall between that read and the write, so the take went unseen and a lowered
     * limit was overshot (the jcstress test {@code SetMaxConnectionsStress} showed it).
     */
    private int fastAcquire(int preferred) {
        Limits l = limits;
        if (l.constrained()) {
            return -1;
        }
        int shard = casAcquire(preferred, l);
        if (shard >= 0 && limits != l) {
            releaseSlot(shard);
            return -1;
        }
        return shard;
    }

    /** Gives back a slot of {@code shard}. Any thread. */
    public void releaseSlot(int shard) {
        held[shard].decrementAndGet();
        signalIfWaiting();
    }

    /** Records a connection that now holds a slot (or a rejected one, {@code counted} false). */
    public void started(SocketConnection connection, boolean counted) {
        if (counted) {
            accepted.increment();
        } else {
            uncounted.incrementAndGet();
        }
        live.add(connection);
        signalIfWaiting();
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public Listener listener() {
        return listener;
    }

    @Override
    public void closed(SocketConnection connection, boolean counted) {
        release(connection, counted);
    }

    @Override
    public void crashed(SocketConnection connection) {
        crashes.increment();
    }

    @Override
    public void handshakeFailed(SocketConnection connection) {
        handshakeFailures.increment();
    }

    /**
     * Stops counting {@code connection} against the limit (Ranch's {@code remove_connection});
     * it stays live. Called once per connection, by its owner loop.
     */
    @Override
    public void uncounted(SocketConnection connection) {
        uncounted.incrementAndGet();
        releaseSlot(connection.shard());
    }

    /**
     * Forgets a closed connection and frees its slot if it still counted. Called by its owner
     * loop (or by the acceptor when the hand-off fails); only the first call does anything.
     *
     * @return whether this call forgot it
     */
    public boolean release(SocketConnection connection, boolean counted) {
        if (!live.remove(connection)) {
            return false;
        }
        ConnectionInfo last = connection.snapshot();
        closedBytesIn.add(last.bytesIn());
        closedBytesOut.add(last.bytesOut());
        if (counted) {
            releaseSlot(connection.shard());
        } else {
            uncounted.decrementAndGet();
            signalIfWaiting();
        }
        return true;
    }

    /** Counts a client refused at the limit. Acceptor threads. */
    public void recordRefused() {
        refused.increment();
    }

    /** Live connections that count against the limit. Any thread. */
    public int activeConnections() {
        return Math.max(0, live.size() - uncounted.get());
    }

    /** All live connections, counted or not. Any thread. */
    public int allConnections() {
        return live.size();
    }

    /** A snapshot of the live connections. Any thread. */
    public List<SocketConnection> liveConnections() {
        return new ArrayList<>(live);
    }

    public long totalAccepted() {
        return accepted.sum();
    }

    public long totalRefused() {
        return refused.sum();
    }

    public long handshakeFailures() {
        return handshakeFailures.sum();
    }

    public long crashes() {
        return crashes.sum();
    }

    /**
     * Bytes read from the peers of every connection since start: those of closed connections
     * plus the live ones' counters, O(live connections). A connection closing while this sums
     * can be missed by one call (it left the live set and its bytes are not yet added), so the
     * result is clamped to the largest value returned before: it never decreases. Any thread.
     */
    public long bytesIn() {
        long sum = closedBytesIn.sum();
        for (SocketConnection connection : live) {
            sum += connection.snapshot().bytesIn();
        }
        return reportedBytesIn.accumulateAndGet(sum, Math::max);
    }

    /** Bytes handed to the kernel for the peers since start, as {@link #bytesIn()}. Any thread. */
    public long bytesOut() {
        long sum = closedBytesOut.sum();
        for (SocketConnection connection : live) {
            sum += connection.snapshot().bytesOut();
        }
        return reportedBytesOut.accumulateAndGet(sum, Math::max);
    }

    /**
     * Waits until {@code condition} holds, re-checking it whenever a connection starts, stops
     * counting or closes.
     *
     * @return whether it held before the timeout
     */
    public boolean await(BooleanSupplier condition, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        parkLock.lockInterruptibly();
        waiting.incrementAndGet();
        try {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        } finally {
            waiting.decrementAndGet();
            parkLock.unlock();
        }
    }

    /** Waits until no connection is live and no acceptor holds a slot. */
    public boolean awaitEmpty(long timeout, TimeUnit unit) throws InterruptedException {
        return await(() -> live.isEmpty() && totalHeld() == 0, timeout, unit);
    }

    private void signalIfWaiting() {
        if (waiting.get() > 0) {
            parkLock.lock();
            try {
                changed.signalAll();
            } finally {
                parkLock.unlock();
            }
        }
    }

    private int park(int preferred, boolean take, BooleanSupplier giveUp) throws InterruptedException {
        parkLock.lockInterruptibly();
        waiting.incrementAndGet();
        try {
            while (true) {
                int shard = take ? acquireLocked(preferred) : roomLocked(preferred);
                if (shard >= 0 || giveUp.getAsBoolean()) {
                    return shard;
                }
                changed.await();
            }
        } finally {
            waiting.decrementAndGet();
            parkLock.unlock();
        }
    }

    /** Under parkLock: takes a slot, checking the total while constrained. */
    private int acquireLocked(int preferred) {
        Limits l = liftConstraintIfDrained();
        if (l.constrained() && totalHeld() >= l.max()) {
            return -1;
        }
        return casAcquire(preferred, l);
    }

    private int roomLocked(int preferred) {
        Limits l = liftConstraintIfDrained();
        if (l.constrained() && totalHeld() >= l.max()) {
            return -1;
        }
        return findRoom(preferred, l);
    }

    private Limits liftConstraintIfDrained() {
        Limits l = limits;
        if (l.constrained() && !overShare(l)) {
            // The constrained value has been current since before this read of the counters,
            // so the argument at fastAcquire holds for this publication too.
            l = new Limits(l.max(), l.shares(), false);
            limits = l;
        }
        return l;
    }

    private boolean overShare(Limits l) {
        for (int i = 0; i < held.length; i++) {
            if (held[i].get() > l.shares()[i]) {
                return true;
            }
        }
        return false;
    }

    /** Takes a slot from the first shard with room, starting at {@code preferred}; -1 if none. */
    private int casAcquire(int preferred, Limits l) {
        int n = held.length;
        for (int k = 0; k < n; k++) {
            int shard = (preferred + k) % n;
            AtomicInteger count = held[shard];
            int h;
            while ((h = count.get()) < l.shares()[shard]) {
                if (count.compareAndSet(h, h + 1)) {
                    return shard;
                }
            }
        }
        return -1;
    }

    private int findRoom(int preferred, Limits l) {
        int n = held.length;
        for (int k = 0; k < n; k++) {
            int shard = (preferred + k) % n;
            if (held[shard].get() < l.shares()[shard]) {
                return shard;
            }
        }
        return -1;
    }

    /** Slots taken now, across the shards (an acceptor's slot before its connection starts too). Any thread. */
    int heldSlots() {
        return totalHeld();
    }

    /** Whether acquires check the total under the lock, because some shard is over its share. Any thread. */
    boolean isConstrained() {
        return limits.constrained();
    }

    private int totalHeld() {
        int sum = 0;
        for (AtomicInteger count : held) {
            sum += count.get();
        }
        return sum;
    }
}
