package dev.ranch.core.test;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.awaitility.Awaitility.await;

/** How long tests wait, for something to happen and for something to keep not happening. */
public final class Patience {

    /**
     * The most a test waits for anything that should happen: far beyond what a loaded machine
     * needs, so reaching it means the thing is not going to happen.
     */
    public static final Duration PATIENCE = Duration.ofSeconds(10);

    /**
     * How long "nothing more happens" must hold by default: far longer than an accept, a
     * hand-off to a loop or a loop turn take.
     */
    public static final Duration HOLD = Duration.ofMillis(300);

    private Patience() {}

    /** {@code condition} is true now, or within {@link #PATIENCE}, and then stays true for {@link #HOLD}. */
    public static void assertStays(String what, Callable<Boolean> condition) {
        assertStays(what, HOLD, condition);
    }

    /**
     * {@code condition} is true now, or within {@link #PATIENCE}, and then stays true for
     * {@code hold}: the state is stable, not just passing through.
     */
    public static void assertStays(String what, Duration hold, Callable<Boolean> condition) {
        await(what).during(hold).atMost(hold.plus(PATIENCE)).until(condition);
    }

    /**
     * Waits at most {@link #PATIENCE} for {@code future} and returns its value; throws as
     * {@link Future#get(long, TimeUnit)} does if it fails or does not complete in time.
     */
    public static <T> T waitFor(Future<T> future) throws InterruptedException, ExecutionException, TimeoutException {
        return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }
}
