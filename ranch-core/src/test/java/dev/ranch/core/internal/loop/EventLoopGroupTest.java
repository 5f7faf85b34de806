package dev.ranch.core.internal.loop;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventLoopGroupTest {

    private final EventLoopGroup group = new EventLoopGroup(3, 1024);

    @AfterEach
    void stopGroup() throws InterruptedException {
        group.stop(5, TimeUnit.SECONDS);
    }

    @Test
    void createsAndStartsTheRequestedNumberOfNamedLoops() {
        assertEquals(3, group.size());
        List<String> names = new ArrayList<>();
        for (EventLoop loop : group.loops()) {
            names.add(loop.name());
            CompletableFuture<String> ranOn = new CompletableFuture<>();
            loop.execute(() -> ranOn.complete(Thread.currentThread().getName()));
            assertEquals(loop.name(), ranOn.orTimeout(5, TimeUnit.SECONDS).join(), "the loop thread is running");
        }
        assertEquals(List.of("ranch-loop-0", "ranch-loop-1", "ranch-loop-2"), names);
    }

    @Test
    void nextHandsOutTheLoopsRoundRobin() {
        List<EventLoop> loops = group.loops();
        EventLoop first = group.next();
        int start = loops.indexOf(first);
        for (int i = 1; i < 10; i++) {
            assertSame(loops.get((start + i) % 3), group.next(), "call " + i);
        }
    }

    @Test
    void connectionIdsAreUniqueAcrossThreads() throws InterruptedException {
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 10_000; i++) {
                    ids.add(group.nextConnectionId());
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join(5000);
            assertFalse(thread.isAlive());
        }
        assertEquals(40_000, ids.size());
    }

    @Test
    void stopEndsEveryLoopThread() throws InterruptedException {
        Set<Thread> threads = new HashSet<>();
        for (EventLoop loop : group.loops()) {
            CompletableFuture<Thread> thread = new CompletableFuture<>();
            loop.execute(() -> thread.complete(Thread.currentThread()));
            threads.add(thread.orTimeout(5, TimeUnit.SECONDS).join());
        }

        assertTrue(group.stop(5, TimeUnit.SECONDS));

        for (Thread thread : threads) {
            assertFalse(thread.isAlive(), thread.getName() + " is still alive");
        }
        for (EventLoop loop : group.loops()) {
            assertTrue(loop.isStopping());
            assertFalse(loop.execute(() -> { }));
        }
    }
}
