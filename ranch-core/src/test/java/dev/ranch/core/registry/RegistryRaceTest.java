package dev.ranch.core.registry;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.registry.RoomServer.Member;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.TestRanch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static dev.ranch.core.registry.RoomServer.connectionsOf;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry under concurrency: a register held at one point while another operation runs,
 * for each gap a lock-free registry could leave, and a stress run of every operation on
 * connections that close meanwhile; afterwards no closed connection stays registered.
 */
class RegistryRaceTest {

    /** Mailbox messages of the stress run not yet taken by their connections, at most. */
    private static final int MAX_BACKLOG = 10_000;

    @TestRanch
    private Ranch ranch;
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    private final Registry<String> registry = new Registry<>();
    private RoomServer server;

    @BeforeEach
    void startListener() {
        server = new RoomServer(ranch, clients, registry);
    }

    // ---- races forced into one interleaving ----

    /** What the two sides of a forced race returned. */
    private record Race(Boolean registered, Boolean other) {
    }

    /**
     * Forces one interleaving: {@code rooms.register(key, connection)} runs on a thread of its
     * own until {@code key} holds it at its {@code nth} call of {@code point}; then {@code other}
     * runs on another thread and is let finish, unless a lock makes it wait for the held thread
     * (a registry that serialises the two operations passes: there is no gap to exploit). Then
     * the register goes on, and both must be done before this returns.
     */
    private static Race raceWithRegisterHeld(Registry<SteerableKey> rooms, SteerableKey key, Connection connection,
                                             SteerableKey.Point point, int nth, Supplier<Boolean> other)
            throws Exception {
        AtomicReference<Boolean> registered = new AtomicReference<>();
        Thread registering = new Thread(() -> registered.set(rooms.register(key, connection)), "registering");
        key.holdAt(registering, point, nth);
        registering.start();
        assertTrue(key.awaitHeld(PATIENCE), "register() never made call " + nth + " of " + point + " on its key");

        CompletableFuture<Boolean> otherResult = new CompletableFuture<>();
        Thread racing = new Thread(() -> {
            try {
                otherResult.complete(other.get());
            } catch (Throwable t) {
                otherResult.completeExceptionally(t);
            }
        }, "racing-with-register");
        racing.start();
        // Let it finish, or find it parked behind the held register() (serialised by a lock):
        // its state says which, however slowly a loaded machine runs it.
        await("the racing operation to finish or to wait for the held register()").atMost(PATIENCE)
                .until(() -> otherResult.isDone() || waitsForALock(racing));
        key.release();
        registering.join(PATIENCE.toMillis());
        Boolean otherReturned = otherResult.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertFalse(registering.isAlive());
        return new Race(registered.get(), otherReturned);
    }

    private static boolean waitsForALock(Thread thread) {
        Thread.State state = thread.getState();
        return state == Thread.State.BLOCKED || state == Thread.State.WAITING;
    }

    @Test
    void unregisterRacingWithRegisterOfTheSamePairLeavesNoClosedConnectionBehind() throws Exception {
        Registry<SteerableKey> rooms = new Registry<>();
        Member m = server.connect();
        SteerableKey room = new SteerableKey("room");
        // register() hashes the key to add it to the connection's key set, then again to add
        // the connection to the key's member set: hold it between the two.
        Race race = raceWithRegisterHeld(rooms, room, m.connection(), SteerableKey.Point.HASH_CODE, 2,
                () -> rooms.unregister(room, m.connection()));

        // Whichever of the two won, closing the connection must clear it from the registry.
        m.client().close();
        await().atMost(PATIENCE).until(() -> !m.connection().isOpen());
        await("the closed connection to leave key 'room' (register returned " + race.registered()
                + ", unregister returned " + race.other() + ")")
                .atMost(PATIENCE).untilAsserted(() -> {
                    assertEquals(List.of(), rooms.lookup(room), "closed connections still under 'room'");
                    assertEquals(Set.of(), rooms.keys());
                });
    }

    @Test
    void registerRacingWithTheLastMemberLeavingTheKeyIsNotLost() throws Exception {
        Registry<SteerableKey> rooms = new Registry<>();
        Member leaving = server.connect();
        Member joining = server.connect();
        SteerableKey stored = new SteerableKey("room");
        assertTrue(rooms.register(stored, leaving.connection()));

        // An equal key, not the same instance: the map has to call equals() to match it with
        // the stored one, which it does once it has found the key's member set.
        SteerableKey room = new SteerableKey("room");
        Race race = raceWithRegisterHeld(rooms, room, joining.connection(), SteerableKey.Point.EQUALS, 1,
                () -> rooms.unregister(stored, leaving.connection()));

        assertTrue(race.other(), "unregister() of the last member");
        assertTrue(race.registered(), "register() of an open connection under a new key");
        assertEquals(Set.of(room), rooms.keysOf(joining.connection()));
        assertEquals(List.of(joining.connection()), rooms.lookup(room),
                "register() returned true, yet the connection is not under the key");
        assertEquals(1, rooms.send(room, "welcome"));
        assertEquals("MSG welcome", joining.client().readLine());
    }

    // ---- stress ----

    @Test
    void underConcurrentRegisterUnregisterAndDispatchNoClosedConnectionStaysRegistered() throws Exception {
        int n = 200;
        List<Member> members = server.connect(n);
        List<Connection> connections = new ArrayList<>(connectionsOf(members));
        connections.sort((a, b) -> Long.compare(a.id(), b.id()));
        String[] keys = {"k0", "k1", "k2", "k3", "k4", "k5"};
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong ops = new AtomicLong();
        AtomicInteger registrations = new AtomicInteger();
        RoomServer.Backlog backlog = new RoomServer.Backlog();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            Random random = new Random(1_000 + w);
            Thread worker = new Thread(() -> {
                try {
                    while (!done.get()) {
                        Connection c = connections.get(random.nextInt(n));
                        String key = keys[random.nextInt(keys.length)];
                        int op = random.nextInt(10);
                        if (op < 4) {
                            if (registry.register(key, c)) {
                                registrations.incrementAndGet();
                            }
                        } else if (op < 6) {
                            registry.unregister(key, c);
                        } else if (op < 8) {
                            registry.dispatch(key, x -> {
                                if (x == null) {
                                    throw new AssertionError("dispatch visited null");
                                }
                            });
                        } else if (op < 9) {
                            // Not a String: the protocol only counts it. Six threads sending to
                            // every member outrun the loops that take the messages; unbounded,
                            // the mailboxes grow until a loaded machine cannot close the
                            // connections within the test's patience.
                            if (backlog.waiting() < MAX_BACKLOG) {
                                backlog.sent(registry.send(key, backlog));
                            }
                        } else {
                            registry.keysOf(c);
                            registry.lookup(key);
                        }
                        ops.incrementAndGet();
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }, "registry-worker-" + w);
            workers.add(worker);
        }
        workers.forEach(Thread::start);

        try {
            // Close the connections one by one while the workers run: by the client, by a
            // server-side abort from this thread, or by a protocol crash.
            List<Member> order = new ArrayList<>(members);
            Collections.shuffle(order, new Random(7));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (int i = 0; i < n; i++) {
                long target = (i + 1) * 300L;
                while (ops.get() < target && System.nanoTime() < deadline && errors.isEmpty()) {
                    Thread.onSpinWait();
                }
                Member m = order.get(i);
                switch (i % 3) {
                    case 0 -> m.client().close();
                    case 1 -> m.connection().abort();
                    default -> m.client().write("CRASH\n");
                }
            }
            await("every connection to close").atMost(PATIENCE)
                    .until(() -> connections.stream().noneMatch(Connection::isOpen));
            long afterClose = ops.get();
            await("more operations on the closed connections").atMost(PATIENCE)
                    .until(() -> ops.get() > afterClose + 20_000 || !errors.isEmpty());
        } finally {
            done.set(true);
            for (Thread worker : workers) {
                worker.join(PATIENCE.toMillis());
            }
        }

        assertEquals(List.of(), List.copyOf(errors));
        assertTrue(registrations.get() > 0, "the workers registered nothing");
        await("the registry to forget every closed connection").atMost(PATIENCE).untilAsserted(() -> {
            for (String key : keys) {
                assertEquals(List.of(), registry.lookup(key), "closed connections still under " + key);
            }
            assertEquals(Set.of(), registry.keys());
            for (Connection c : connections) {
                assertEquals(Set.of(), registry.keysOf(c), "keys of closed " + c);
            }
        });
    }
}
