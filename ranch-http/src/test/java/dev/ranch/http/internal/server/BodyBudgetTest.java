package dev.ranch.http.internal.server;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import static dev.ranch.core.test.Patience.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared body budget under contention: never above its limit, back to zero once all is given back. */
class BodyBudgetTest {

    @Test
    void racingReservationsNeverPassTheLimitAndAllComeBack() throws Exception {
        BodyBudget budget = new BodyBudget(100_000);
        AtomicLong highest = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            workers.add(CompletableFuture.runAsync(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                List<Long> held = new ArrayList<>();
                for (int i = 0; i < 200_000; i++) {
                    if (held.isEmpty() || random.nextBoolean()) {
                        long bytes = 1 + random.nextInt(20_000);
                        if (budget.reserve(bytes)) {
                            held.add(bytes);
                            highest.accumulateAndGet(budget.reserved(), Math::max);
                        } else {
                            refused.incrementAndGet();
                        }
                    } else {
                        budget.release(held.remove(held.size() - 1));
                    }
                }
                held.forEach(budget::release);
            }));
        }
        for (CompletableFuture<Void> worker : workers) {
            waitFor(worker);
        }
        assertTrue(highest.get() <= budget.limit(), "reserved reached " + highest.get());
        assertTrue(refused.get() > 0, "the limit was reached at all, so the race was exercised");
        assertEquals(0, budget.reserved());
    }

    @Test
    void aReservationThatDoesNotFitTakesNothing() {
        BodyBudget budget = new BodyBudget(10);
        assertTrue(budget.reserve(8));
        assertFalse(budget.reserve(3));
        assertEquals(8, budget.reserved());
        assertTrue(budget.reserve(2));
        budget.release(10);
        assertEquals(0, budget.reserved());
    }
}
