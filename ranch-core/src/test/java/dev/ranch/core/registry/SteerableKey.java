package dev.ranch.core.registry;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A registry key, equal to any other with the same name, that can stop one chosen thread at
 * its n-th call of {@link #hashCode()} or {@link #equals(Object)} until the test releases it.
 * The registry's maps call these at known points of each operation, so a test can freeze a
 * thread half-way through {@code register} and run another operation in the gap: one exact
 * interleaving of a race, every time. Other threads and other calls are never held.
 *
 * <p>A held thread gives up after {@link #MAX_HOLD} by itself, so a test cannot hang on it.
 */
final class SteerableKey {

    enum Point { HASH_CODE, EQUALS }

    static final Duration MAX_HOLD = Duration.ofSeconds(5);

    private final String name;
    private final AtomicInteger calls = new AtomicInteger();
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private volatile Thread target;
    private volatile Point point;
    private volatile int nth;

    SteerableKey(String name) {
        this.name = name;
    }

    /** Holds {@code thread} at its {@code nth} (1-based) call of {@code point} on this key. */
    SteerableKey holdAt(Thread thread, Point point, int nth) {
        this.point = point;
        this.nth = nth;
        this.target = thread;
        return this;
    }

    /** Waits until the chosen thread is being held; {@code false} if it never got there. */
    boolean awaitHeld(Duration timeout) throws InterruptedException {
        return reached.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Lets the held thread go on. */
    void release() {
        released.countDown();
    }

    private void maybeHold(Point at) {
        if (Thread.currentThread() != target || at != point || calls.incrementAndGet() != nth) {
            return;
        }
        reached.countDown();
        try {
            released.await(MAX_HOLD.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public int hashCode() {
        maybeHold(Point.HASH_CODE);
        return name.hashCode();
    }

    @Override
    public boolean equals(Object other) {
        maybeHold(Point.EQUALS);
        return other instanceof SteerableKey key && key.name.equals(name);
    }

    @Override
    public String toString() {
        return name;
    }
}
