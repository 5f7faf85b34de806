package dev.ranch.core.internal.loop;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link TimerQueue} is a plain data structure used by one thread, so it is tested directly:
 * deadlines are arbitrary longs in {@code nanoTime} units and "now" is whatever the test says.
 */
class TimerQueueTest {

    private final TimerQueue queue = new TimerQueue();
    private final List<String> expired = new ArrayList<>();

    /** An entry that logs its name when it expires and then runs an optional action. */
    private final class Named extends TimerQueue.Entry {
        final String name;
        Consumer<Named> onExpire = e -> { };
        boolean scheduledDuringExpire;

        Named(String name) {
            this.name = name;
        }

        @Override
        protected void expire() {
            scheduledDuringExpire = isScheduled();
            expired.add(name);
            onExpire.accept(this);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private Named at(String name, long deadline) {
        Named e = new Named(name);
        queue.schedule(e, deadline);
        return e;
    }

    // ---- ordering ----

    @Test
    void expiresEntriesEarliestFirstWhateverTheOrderTheyWereScheduledIn() {
        at("e50", 50);
        at("e10", 10);
        at("e40", 40);
        at("e20", 20);
        at("e30", 30);

        queue.expireDue(100);

        assertEquals(List.of("e10", "e20", "e30", "e40", "e50"), expired);
        assertEquals(0, queue.size());
    }

    @Test
    void expireDueTakesEntriesAtOrBeforeNowAndKeepsLaterOnes() {
        Named a = at("a", 10);
        Named b = at("b", 20);
        Named c = at("c", 30);

        queue.expireDue(20);

        assertEquals(List.of("a", "b"), expired);
        assertFalse(a.isScheduled());
        assertFalse(b.isScheduled());
        assertTrue(c.isScheduled());
        assertEquals(1, queue.size());
    }

    @Test
    void expireDueBeforeTheEarliestDeadlineExpiresNothing() {
        Named a = at("a", 10);

        queue.expireDue(9);

        assertEquals(List.of(), expired);
        assertTrue(a.isScheduled());
        assertEquals(1, queue.size());
    }

    @Test
    void anEntryIsNoLongerScheduledWhenItsExpireRuns() {
        Named a = at("a", 10);

        queue.expireDue(10);

        assertEquals(List.of("a"), expired);
        assertFalse(a.scheduledDuringExpire, "expire() must see its entry unscheduled");
    }

    @Test
    void entriesWithEqualDeadlinesAllExpireOnceInTheSamePass() {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            at("same" + i, 100);
            names.add("same" + i);
        }
        Named later = at("later", 101);
        at("earlier", 99);

        queue.expireDue(100);

        assertEquals("earlier", expired.get(0));
        assertEquals(11, expired.size(), "expired: " + expired);
        assertEquals(names, new HashSet<>(expired.subList(1, expired.size())));
        assertTrue(later.isScheduled());
        assertEquals(1, queue.size());
    }

    @Test
    void ordersDeadlinesAcrossTheNanoTimeOverflow() {
        // nanoTime may be near Long.MAX_VALUE and wrap: a deadline 10ns past MAX is later than MAX - 10.
        long beforeWrap = Long.MAX_VALUE - 10;
        long afterWrap = Long.MAX_VALUE + 10; // negative after wrapping
        at("afterWrap", afterWrap);
        at("beforeWrap", beforeWrap);

        queue.expireDue(Long.MAX_VALUE);
        assertEquals(List.of("beforeWrap"), expired);
        assertEquals(10, queue.nanosUntilNext(Long.MAX_VALUE));

        queue.expireDue(afterWrap);
        assertEquals(List.of("beforeWrap", "afterWrap"), expired);
    }

    @Test
    void keepsOrderWhenGrowingPastItsInitialCapacity() {
        int n = 1000;
        for (int i = n - 1; i >= 0; i--) {
            at(String.valueOf(i), i);
        }
        assertEquals(n, queue.size());

        queue.expireDue(n);

        List<String> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            expected.add(String.valueOf(i));
        }
        assertEquals(expected, expired);
    }

    // ---- nanosUntilNext ----

    @Test
    void nanosUntilNextIsMinusOneWhenEmpty() {
        assertEquals(-1, queue.nanosUntilNext(0));
        assertEquals(-1, queue.nanosUntilNext(Long.MIN_VALUE));
    }

    @Test
    void nanosUntilNextMeasuresToTheEarliestDeadline() {
        at("b", 250);
        at("a", 100);
        at("c", 900);

        assertEquals(60, queue.nanosUntilNext(40));
        assertEquals(0, queue.nanosUntilNext(100), "due now");
        assertEquals(0, queue.nanosUntilNext(180), "overdue is 0, never negative");
    }

    @Test
    void nanosUntilNextFollowsCancelsAndExpiries() {
        Named a = at("a", 100);
        at("b", 250);

        queue.cancel(a);
        assertEquals(250, queue.nanosUntilNext(0));

        queue.expireDue(250);
        assertEquals(-1, queue.nanosUntilNext(250));
    }

    // ---- cancel ----

    @Test
    void cancellingTheHeadLeavesTheRestInOrder() {
        Named head = at("d10", 10);
        for (int d = 20; d <= 70; d += 10) {
            at("d" + d, d);
        }

        queue.cancel(head);

        assertFalse(head.isScheduled());
        assertEquals(6, queue.size());
        assertEquals(10, queue.nanosUntilNext(10));
        queue.expireDue(1000);
        assertEquals(List.of("d20", "d30", "d40", "d50", "d60", "d70"), expired);
    }

    @Test
    void cancellingAMiddleEntryLeavesTheRestInOrder() {
        Named middle = null;
        for (int d = 10; d <= 70; d += 10) {
            Named e = at("d" + d, d);
            if (d == 40) {
                middle = e;
            }
        }

        queue.cancel(middle);

        assertFalse(middle.isScheduled());
        assertEquals(6, queue.size());
        queue.expireDue(1000);
        assertEquals(List.of("d10", "d20", "d30", "d50", "d60", "d70"), expired);
    }

    @Test
    void cancellingTheLastEntryLeavesTheRestInOrder() {
        Named last = null;
        for (int d = 10; d <= 70; d += 10) {
            last = at("d" + d, d); // scheduled in order, so the latest is also in the last slot
        }

        queue.cancel(last);

        assertFalse(last.isScheduled());
        assertEquals(6, queue.size());
        queue.expireDue(1000);
        assertEquals(List.of("d10", "d20", "d30", "d40", "d50", "d60"), expired);
    }

    @Test
    void cancellingMovesTheEntryTakingTheFreedSlotUpWhenItIsEarlierThanItsNewParent() {
        // Scheduled in this order the heap is [1, 20, 2, 21, 22, 10, 4]. Cancelling 21 moves 4,
        // the last entry, under 20: it has to rise above 20, or 10 would expire before it.
        at("1", 1);
        at("20", 20);
        at("2", 2);
        Named victim = at("21", 21);
        at("22", 22);
        at("10", 10);
        at("4", 4);

        queue.cancel(victim);

        queue.expireDue(1000);
        assertEquals(List.of("1", "2", "4", "10", "20", "22"), expired);
    }

    @Test
    void cancellingAnEntryThatIsNotScheduledChangesNothing() {
        at("a", 10);
        at("b", 20);
        Named never = new Named("never");

        queue.cancel(never);

        assertFalse(never.isScheduled());
        assertEquals(2, queue.size());
        queue.expireDue(1000);
        assertEquals(List.of("a", "b"), expired);
    }

    @Test
    void cancellingTwiceOrAfterExpiryChangesNothing() {
        Named a = at("a", 10);
        Named b = at("b", 20);
        Named c = at("c", 30);

        queue.cancel(b);
        queue.cancel(b);
        queue.expireDue(10);
        queue.cancel(a); // already expired

        assertEquals(1, queue.size());
        assertTrue(c.isScheduled());
        queue.expireDue(1000);
        assertEquals(List.of("a", "c"), expired);
    }

    @Test
    void aCancelledEntryCanBeScheduledAgain() {
        Named a = at("a", 10);
        queue.cancel(a);

        queue.schedule(a, 15);

        assertTrue(a.isScheduled());
        assertEquals(15, a.deadline());
        queue.expireDue(15);
        assertEquals(List.of("a"), expired);
    }

    // ---- rescheduling ----

    @Test
    void reschedulingAScheduledEntryMovesItInsteadOfAddingIt() {
        Named a = at("a", 10);
        at("b", 20);
        at("c", 30);

        queue.schedule(a, 40);

        assertEquals(3, queue.size());
        assertEquals(40, a.deadline());
        assertEquals(20, queue.nanosUntilNext(0));
        queue.expireDue(1000);
        assertEquals(List.of("b", "c", "a"), expired);
    }

    @Test
    void reschedulingToAnEarlierDeadlineMovesTheEntryForward() {
        at("a", 10);
        at("b", 20);
        Named c = at("c", 30);

        queue.schedule(c, 5);

        assertEquals(3, queue.size());
        assertEquals(5, queue.nanosUntilNext(0));
        queue.expireDue(1000);
        assertEquals(List.of("c", "a", "b"), expired);
    }

    @Test
    void anExpiredEntryCanBeReused() {
        Named a = at("a", 10);
        queue.expireDue(10);

        queue.schedule(a, 20);
        queue.expireDue(20);

        assertEquals(List.of("a", "a"), expired);
        assertEquals(0, queue.size());
    }

    // ---- scheduling and cancelling from inside expire() ----

    @Test
    void anEntryScheduledFromExpireForLaterWaitsForALaterPass() {
        Named later = new Named("later");
        Named first = at("first", 10);
        first.onExpire = e -> queue.schedule(later, 50);

        queue.expireDue(10);

        assertEquals(List.of("first"), expired);
        assertTrue(later.isScheduled());
        assertEquals(40, queue.nanosUntilNext(10));
        queue.expireDue(50);
        assertEquals(List.of("first", "later"), expired);
    }

    @Test
    void anEntryReschedulingItselfFromExpireIsScheduledAtItsNewDeadline() {
        // The idle timer's pattern: find recent activity, re-arm for the remainder.
        Named periodic = at("periodic", 10);
        periodic.onExpire = e -> {
            if (expired.size() < 3) {
                queue.schedule(e, e.deadline() + 10);
            }
        };

        queue.expireDue(15);
        assertEquals(1, expired.size());
        assertTrue(periodic.isScheduled());
        assertEquals(20, periodic.deadline());
        assertEquals(5, queue.nanosUntilNext(15));

        queue.expireDue(20);
        assertEquals(2, expired.size());
        assertEquals(30, periodic.deadline());

        queue.expireDue(30);
        assertEquals(List.of("periodic", "periodic", "periodic"), expired);
        assertFalse(periodic.isScheduled(), "the third expiry did not re-arm");
        assertEquals(0, queue.size());
    }

    @Test
    void anEntryCancelledByAnEarlierExpireInTheSamePassDoesNotExpire() {
        // A connection's finish() cancels its other timers from inside one timer's expire().
        Named victim = new Named("victim");
        Named killer = at("killer", 10);
        queue.schedule(victim, 20);
        at("bystander", 30);
        killer.onExpire = e -> queue.cancel(victim);

        queue.expireDue(100);

        assertEquals(List.of("killer", "bystander"), expired);
        assertFalse(victim.isScheduled());
    }

    @Test
    void anEntryMovedLaterByAnEarlierExpireInTheSamePassWaits() {
        Named moved = new Named("moved");
        Named mover = at("mover", 10);
        queue.schedule(moved, 20);
        mover.onExpire = e -> queue.schedule(moved, 500);

        queue.expireDue(100);

        assertEquals(List.of("mover"), expired);
        assertTrue(moved.isScheduled());
        assertEquals(500, moved.deadline());
    }

    @Test
    void anEntryReschedulingItselfAtTheCurrentInstantRunsOncePerPassInsteadOfSpinning() {
        // EventLoop.schedule(entry, 0) from inside expire() passes the very 'now' that
        // expireDue was called with (Connection.schedule(Duration.ZERO, ...) in onTimeout does
        // this). If the pass picks the entry up again, expireDue never returns and the loop
        // stops serving I/O and tasks. The entry gives up after 1000 runs so a failure cannot hang.
        long now = 1_000;
        Named again = at("again", now);
        again.onExpire = e -> {
            if (expired.size() < 1000) {
                queue.schedule(e, now);
            }
        };

        queue.expireDue(now);

        assertEquals(1, expired.size(), "one expireDue(now) pass ran the self-rescheduling entry "
                + expired.size() + " times");
        assertTrue(again.isScheduled(), "it is due again for the next pass");
    }

    // ---- against a reference model ----

    /** Entry of the randomized test: every expiry is checked against the model as it happens. */
    private static final class Probe extends TimerQueue.Entry {
        final int id;
        final boolean periodic;
        final long period;
        Consumer<Probe> onExpire;

        Probe(int id, boolean periodic, long period) {
            this.id = id;
            this.periodic = periodic;
            this.period = period;
        }

        @Override
        protected void expire() {
            onExpire.accept(this);
        }

        @Override
        public String toString() {
            return "probe" + id;
        }
    }

    @Test
    void behavesLikeASortedListUnderRandomSchedulesReschedulesCancelsAndExpiries() {
        Random random = new Random(20240611L);
        // Start just below the overflow, so deadlines wrap during the run: only differences
        // of nanoTime values are meaningful, and the queue must order by them.
        final long origin = Long.MAX_VALUE - 200_000;
        Probe[] probes = new Probe[400];
        // The model: offset from origin of each scheduled probe's deadline. Offsets never overflow.
        Map<Probe, Long> model = new HashMap<>();
        long[] nowOffset = {0};
        List<Probe> expiredThisPass = new ArrayList<>();

        for (int i = 0; i < probes.length; i++) {
            Probe p = new Probe(i, i % 7 == 0, 1 + random.nextInt(500));
            p.onExpire = self -> {
                if (self.isScheduled()) {
                    fail(self + " is still scheduled inside its expire()");
                }
                Long offset = model.remove(self);
                if (offset == null) {
                    fail(self + " expired but the model has it unscheduled (cancelled or already expired)");
                }
                if (offset > nowOffset[0]) {
                    fail(self + " expired at " + nowOffset[0] + " before its deadline " + offset);
                }
                if (self.deadline() != origin + offset) {
                    fail(self + " reports deadline " + self.deadline() + ", model says " + (origin + offset));
                }
                expiredThisPass.add(self);
                if (self.periodic) {
                    long next = nowOffset[0] + self.period;
                    queue.schedule(self, origin + next);
                    model.put(self, next);
                }
            };
            probes[i] = p;
        }

        for (int i = 0; i < 30_000; i++) {
            final int step = i;
            int op = random.nextInt(100);
            Probe p = probes[random.nextInt(probes.length)];
            if (op < 45) {
                // schedule, or reschedule when already scheduled; sometimes already overdue
                long offset = nowOffset[0] - 50 + random.nextInt(1_000);
                queue.schedule(p, origin + offset);
                model.put(p, offset);
            } else if (op < 75) {
                queue.cancel(p); // scheduled or not
                model.remove(p);
            } else {
                nowOffset[0] += random.nextInt(160);
                List<Probe> due = new ArrayList<>();
                for (Map.Entry<Probe, Long> e : model.entrySet()) {
                    if (e.getValue() <= nowOffset[0]) {
                        due.add(e.getKey());
                    }
                }
                Map<Probe, Long> dueDeadlines = new HashMap<>();
                for (Probe d : due) {
                    dueDeadlines.put(d, model.get(d));
                }
                expiredThisPass.clear();

                queue.expireDue(origin + nowOffset[0]);

                assertEquals(new HashSet<>(due), new HashSet<>(expiredThisPass),
                        () -> "step " + step + ": the set of expired probes");
                assertEquals(due.size(), expiredThisPass.size(), () -> "step " + step + ": a probe expired twice");
                List<Probe> sorted = new ArrayList<>(expiredThisPass);
                sorted.sort(Comparator.comparingLong(dueDeadlines::get));
                List<Long> inOrder = expiredThisPass.stream().map(dueDeadlines::get).toList();
                List<Long> expectedOrder = sorted.stream().map(dueDeadlines::get).toList();
                assertEquals(expectedOrder, inOrder, () -> "step " + step + ": expiries must be earliest first");
            }

            assertEquals(model.size(), queue.size(), () -> "step " + step + ": size");
            long earliest = model.values().stream().mapToLong(Long::longValue).min().orElse(Long.MIN_VALUE);
            long expectedWait = model.isEmpty() ? -1 : Math.max(0, earliest - nowOffset[0]);
            assertEquals(expectedWait, queue.nanosUntilNext(origin + nowOffset[0]), () -> "step " + step + ": nanosUntilNext");
            if (step % 97 == 0) {
                for (Probe probe : probes) {
                    assertEquals(model.containsKey(probe), probe.isScheduled(), () -> "step " + step + ": " + probe);
                    if (probe.isScheduled()) {
                        assertEquals(origin + model.get(probe), probe.deadline(), () -> "step " + step + ": " + probe);
                    }
                }
            }
        }
        assertTrue(nowOffset[0] > 200_000, "the run crossed the overflow of the clock: " + nowOffset[0]);

        // Drain: without periodic re-arming everything goes, earliest first.
        for (Probe p : probes) {
            p.onExpire = self -> expiredThisPass.add(self);
        }
        List<Probe> remaining = new ArrayList<>(model.keySet());
        remaining.sort(Comparator.comparingLong(model::get));
        expiredThisPass.clear();
        queue.expireDue(origin + nowOffset[0] + 10_000);
        assertEquals(remaining.stream().map(model::get).toList(),
                expiredThisPass.stream().map(model::get).toList());
        assertEquals(0, queue.size());
    }
}
