package dev.ranch.core.registry;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.TestClient;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The registry against real connections: a line protocol on a loopback listener registers
 * each connection under the rooms its client asks for ({@code JOIN room}), and writes every
 * mailbox message it gets back to its client ({@code MSG text}), so a test sees deliveries
 * from the client side.
 */
class RegistryTest {

    @TestRanch
    private Ranch ranch;
    @RegisterExtension
    final OpenClients clients = new OpenClients();
    private Listener listener;
    private final Registry<String> registry = new Registry<>();
    private final Map<Long, Connection> accepted = new ConcurrentHashMap<>();

    /** A client and the server side of its connection. */
    private record Member(TestClient client, Connection connection) {
    }

    /** Thrown by the protocol on {@code CRASH}; without a stack trace, to keep the log short. */
    private static final class RequestedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RequestedCrash() {
            super("crash requested by the client", null, false, false);
        }
    }

    /**
     * One command per line: {@code HELLO}, {@code JOIN room}, {@code LEAVE room}, {@code QUIT}
     * (graceful close), {@code ABORT}, {@code CRASH} (throws from onData). Writes each String
     * it receives in its mailbox as {@code MSG text}; ignores other messages.
     */
    private static final class RoomProtocol implements Protocol {
        private final Registry<String> rooms;
        private final StringBuilder line = new StringBuilder();

        RoomProtocol(Registry<String> rooms) {
            this.rooms = rooms;
        }

        @Override
        public void onData(Connection connection, ByteBuffer data) {
            while (data.hasRemaining()) {
                char c = (char) data.get();
                if (c == '\n') {
                    String command = line.toString();
                    line.setLength(0);
                    handle(connection, command);
                } else {
                    line.append(c);
                }
            }
        }

        private void handle(Connection connection, String command) {
            String[] parts = command.split(" ", 2);
            switch (parts[0]) {
                case "HELLO" -> reply(connection, "HELLO " + connection.id());
                case "JOIN" -> reply(connection,
                        "JOINED " + parts[1] + " " + connection.id() + " " + rooms.register(parts[1], connection));
                case "LEAVE" -> reply(connection, "LEFT " + parts[1] + " " + rooms.unregister(parts[1], connection));
                case "QUIT" -> connection.close();
                case "ABORT" -> connection.abort();
                case "CRASH" -> throw new RequestedCrash();
                default -> reply(connection, "ERROR " + command);
            }
        }

        @Override
        public void onMessage(Connection connection, Object message) {
            if (message instanceof String text) {
                reply(connection, "MSG " + text);
            }
        }

        private static void reply(Connection connection, String text) {
            connection.write((text + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
    }

    @BeforeEach
    void startListener() {
        listener = ranch.startListener("rooms", Transports.tcp(), Loopback.options().build(), c -> {
            accepted.put(c.id(), c);
            return new RoomProtocol(registry);
        });
    }

    // ---- helpers ----

    /** Connects a client and finds the server side of its connection. */
    private Member connect() {
        TestClient client = clients.connect(listener.port());
        client.write("HELLO\n");
        String hello = client.readLine();
        assertTrue(hello.startsWith("HELLO "), hello);
        Connection connection = accepted.get(Long.parseLong(hello.substring("HELLO ".length())));
        return new Member(client, connection);
    }

    private List<Member> connect(int n) {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add(connect());
        }
        return members;
    }

    /** Joins {@code room} through the protocol; returns what {@code register} returned on the loop. */
    private static boolean join(Member member, String room) {
        member.client().write("JOIN " + room + "\n");
        String reply = member.client().readLine();
        String prefix = "JOINED " + room + " " + member.connection().id() + " ";
        assertTrue(reply.startsWith(prefix), reply);
        return Boolean.parseBoolean(reply.substring(prefix.length()));
    }

    private static boolean leave(Member member, String room) {
        member.client().write("LEAVE " + room + "\n");
        String reply = member.client().readLine();
        String prefix = "LEFT " + room + " ";
        assertTrue(reply.startsWith(prefix), reply);
        return Boolean.parseBoolean(reply.substring(prefix.length()));
    }

    private static Set<Connection> connectionsOf(List<Member> members) {
        Set<Connection> set = new HashSet<>();
        for (Member m : members) {
            set.add(m.connection());
        }
        return set;
    }

    private void awaitGoneFromRegistry(Connection connection) {
        await("connection " + connection.id() + " to leave every key").atMost(PATIENCE).untilAsserted(() -> {
            assertFalse(connection.isOpen());
            assertEquals(Set.of(), registry.keysOf(connection));
            for (String key : registry.keys()) {
                assertFalse(registry.lookup(key).contains(connection), "still under " + key);
            }
        });
    }

    private void assertClosedAndUnderNoKey(List<Member> members) {
        for (Member m : members) {
            assertFalse(m.connection().isOpen());
            assertEquals(Set.of(), registry.keysOf(m.connection()));
        }
    }

    // ---- many connections under one key ----

    @Test
    void manyConnectionsJoinOneKey() {
        List<Member> members = connect(10);
        for (Member m : members) {
            assertTrue(join(m, "lobby"));
        }

        assertEquals(10, registry.count("lobby"));
        assertEquals(connectionsOf(members), new HashSet<>(registry.lookup("lobby")));
        assertEquals(10, registry.lookup("lobby").size());
        assertEquals(Set.of("lobby"), registry.keys());
        for (Member m : members) {
            assertEquals(Set.of("lobby"), registry.keysOf(m.connection()));
        }
    }

    @Test
    void joiningTheSameKeyTwiceIsANoOp() {
        Member m = connect();

        assertTrue(join(m, "lobby"));
        assertFalse(join(m, "lobby"), "the second register of the same pair");

        assertEquals(1, registry.count("lobby"));
        assertEquals(List.of(m.connection()), registry.lookup("lobby"));
    }

    @Test
    void dispatchVisitsEveryConnectionUnderTheKeyOnce() {
        List<Member> lobby = connect(8);
        List<Member> elsewhere = connect(3);
        lobby.forEach(m -> join(m, "lobby"));
        elsewhere.forEach(m -> join(m, "elsewhere"));

        List<Connection> visited = new ArrayList<>();
        int n = registry.dispatch("lobby", visited::add);

        assertEquals(8, n);
        assertEquals(8, visited.size(), "visited: " + visited);
        assertEquals(connectionsOf(lobby), new HashSet<>(visited));
    }

    @Test
    void dispatchOnAnUnknownKeyVisitsNothing() {
        join(connect(), "lobby");
        AtomicInteger calls = new AtomicInteger();

        assertEquals(0, registry.dispatch("nobody-here", c -> calls.incrementAndGet()));

        assertEquals(0, calls.get());
        assertEquals(0, registry.count("nobody-here"));
        assertEquals(List.of(), registry.lookup("nobody-here"));
    }

    @Test
    void dispatchedSendsReachEveryClientUnderTheKey() {
        List<Member> lobby = connect(5);
        lobby.forEach(m -> join(m, "lobby"));

        registry.dispatch("lobby", c -> c.send("to " + c.id()));

        for (Member m : lobby) {
            assertEquals("MSG to " + m.connection().id(), m.client().readLine());
        }
    }

    @Test
    void sendDeliversTheMessageToEveryMailboxUnderTheKeyAndNoOther() {
        List<Member> lobby = connect(5);
        List<Member> other = connect(3);
        lobby.forEach(m -> join(m, "lobby"));
        other.forEach(m -> join(m, "other"));

        assertEquals(5, registry.send("lobby", "hello lobby"));
        assertEquals(3, registry.send("other", "hello other"));

        for (Member m : lobby) {
            assertEquals("MSG hello lobby", m.client().readLine());
        }
        for (Member m : other) {
            // Had "hello lobby" reached it, it would come first: both sends came from this thread.
            assertEquals("MSG hello other", m.client().readLine());
        }
    }

    @Test
    void messagesSentToAKeyArriveInOrderAtEveryMember() {
        List<Member> lobby = connect(4);
        lobby.forEach(m -> join(m, "lobby"));

        for (int i = 0; i < 200; i++) {
            assertEquals(4, registry.send("lobby", "m" + i));
        }

        for (Member m : lobby) {
            for (int i = 0; i < 200; i++) {
                assertEquals("MSG m" + i, m.client().readLine());
            }
        }
    }

    @Test
    void sendToAnUnknownKeyReachesNobody() {
        assertEquals(0, registry.send("nobody-here", "lost"));
    }

    @Test
    void aConnectionUnderTwoKeysIsFoundUnderBothAndHearsBoth() {
        Member both = connect();
        Member onlyA = connect();
        join(both, "a");
        join(both, "b");
        join(onlyA, "a");

        assertEquals(Set.of("a", "b"), registry.keysOf(both.connection()));
        assertEquals(Set.of("a", "b"), registry.keys());
        assertEquals(Set.of(both.connection(), onlyA.connection()), new HashSet<>(registry.lookup("a")));
        assertEquals(List.of(both.connection()), registry.lookup("b"));

        assertEquals(2, registry.send("a", "to a"));
        assertEquals(1, registry.send("b", "to b"));

        assertEquals("MSG to a", both.client().readLine());
        assertEquals("MSG to b", both.client().readLine());
        assertEquals("MSG to a", onlyA.client().readLine());
    }

    // ---- unregister ----

    @Test
    void unregisterRemovesOnlyThatKey() {
        Member m = connect();
        Member stays = connect();
        join(m, "a");
        join(m, "b");
        join(m, "c");
        join(stays, "b");

        assertTrue(leave(m, "b"));

        assertEquals(Set.of("a", "c"), registry.keysOf(m.connection()));
        assertEquals(List.of(m.connection()), registry.lookup("a"));
        assertEquals(List.of(m.connection()), registry.lookup("c"));
        assertEquals(List.of(stays.connection()), registry.lookup("b"));
        assertEquals(Set.of("a", "b", "c"), registry.keys());
        assertTrue(m.connection().isOpen());
    }

    @Test
    void unregisteringTheLastMemberRemovesTheKey() {
        Member m = connect();
        join(m, "a");
        join(m, "b");

        assertTrue(leave(m, "b"));

        assertEquals(Set.of("a"), registry.keys());
        assertEquals(0, registry.count("b"));
        assertEquals(0, registry.send("b", "lost"));
    }

    @Test
    void unregisterOfAPairThatIsNotRegisteredReturnsFalse() {
        Member m = connect();
        Member stranger = connect();
        join(m, "a");

        assertFalse(leave(m, "never-joined"));
        assertFalse(registry.unregister("a", stranger.connection()));
        assertTrue(leave(m, "a"));
        assertFalse(leave(m, "a"), "a second unregister");

        assertEquals(Set.of(), registry.keys());
    }

    @Test
    void aConnectionCanRejoinAKeyItLeft() {
        Member m = connect();
        join(m, "a");
        leave(m, "a");

        assertTrue(join(m, "a"));

        assertEquals(List.of(m.connection()), registry.lookup("a"));
        m.client().close();
        awaitGoneFromRegistry(m.connection());
        assertEquals(Set.of(), registry.keys());
    }

    // ---- cleanup when connections close ----

    @Test
    void closedClientsLeaveEveryKey() {
        List<Member> members = connect(6);
        for (Member m : members) {
            join(m, "lobby");
            join(m, "room-" + (m.connection().id() % 2));
        }
        join(members.get(0), "solo");

        members.forEach(m -> m.client().close());

        await("every key to empty").atMost(PATIENCE).untilAsserted(() -> {
            assertEquals(0, registry.count("lobby"));
            assertEquals(0, registry.count("room-0"));
            assertEquals(0, registry.count("room-1"));
            assertEquals(0, registry.count("solo"));
            assertEquals(Set.of(), registry.keys());
        });
        assertClosedAndUnderNoKey(members);
        assertEquals(0, registry.send("lobby", "lost"));
        assertEquals(0, registry.dispatch("lobby", c -> { }));
    }

    @Test
    void aClosedClientLeavesItsKeysAndTheOthersStay() {
        Member leaving = connect();
        Member staying = connect();
        join(leaving, "lobby");
        join(leaving, "private");
        join(staying, "lobby");

        leaving.client().close();

        awaitGoneFromRegistry(leaving.connection());
        assertEquals(List.of(staying.connection()), registry.lookup("lobby"));
        assertEquals(Set.of("lobby"), registry.keys());
        assertEquals(1, registry.send("lobby", "still here"));
        assertEquals("MSG still here", staying.client().readLine());
    }

    /** The ways the server side ends a connection; each must take it out of every key. */
    enum ServerSideClose {
        PROTOCOL_CLOSES(m -> m.client().write("QUIT\n")),
        PROTOCOL_ABORTS(m -> m.client().write("ABORT\n")),
        ABORTED_FROM_ANOTHER_THREAD(m -> m.connection().abort()),
        PROTOCOL_CRASHES(m -> m.client().write("CRASH\n"));

        private final Consumer<Member> close;

        ServerSideClose(Consumer<Member> close) {
            this.close = close;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(ServerSideClose.class)
    void aConnectionTheServerSideClosesLeavesEveryKeyAndTheOthersStay(ServerSideClose how) {
        Member m = connect();
        Member other = connect();
        join(m, "a");
        join(m, "b");
        join(other, "b");

        how.close.accept(m);

        assertTrue(m.client().isClosedByPeer());
        awaitGoneFromRegistry(m.connection());
        assertEquals(Set.of("b"), registry.keys(), "the key only the closed connection was under is gone");
        assertEquals(List.of(other.connection()), registry.lookup("b"));
    }

    @Test
    void stoppingTheListenerEmptiesTheRegistry() {
        List<Member> members = connect(5);
        members.forEach(m -> join(m, "lobby"));
        join(members.get(0), "other");

        ranch.stopListener("rooms");

        await("every key to empty").atMost(PATIENCE).untilAsserted(() -> assertEquals(Set.of(), registry.keys()));
        assertClosedAndUnderNoKey(members);
    }

    @Test
    void aConnectionRegisteredFromAnotherThreadStillLeavesWhenItCloses() {
        Member m = connect();

        assertTrue(registry.register("from-test-thread", m.connection()));
        assertEquals(List.of(m.connection()), registry.lookup("from-test-thread"));

        m.client().close();

        awaitGoneFromRegistry(m.connection());
        assertEquals(Set.of(), registry.keys());
    }

    // ---- registering a closed connection ----

    @Test
    void registeringAClosedConnectionReturnsFalseAndLeavesNothingBehind() {
        Member m = connect();
        m.client().close();
        await().atMost(PATIENCE).until(() -> !m.connection().isOpen());

        assertFalse(registry.register("late", m.connection()));
        assertFalse(registry.register("later", m.connection()));

        assertEquals(0, registry.count("late"));
        assertEquals(List.of(), registry.lookup("late"));
        assertEquals(Set.of(), registry.keys());
        assertEquals(Set.of(), registry.keysOf(m.connection()));
        assertEquals(0, registry.send("late", "lost"));
        assertFalse(registry.unregister("late", m.connection()));
    }

    @Test
    void registeringAgainAfterTheConnectionClosedReturnsFalseAndLeavesNothingBehind() {
        Member m = connect();
        join(m, "before");
        m.client().close();
        awaitGoneFromRegistry(m.connection());

        assertFalse(registry.register("before", m.connection()));
        assertFalse(registry.register("after", m.connection()));

        assertEquals(Set.of(), registry.keys());
        assertEquals(Set.of(), registry.keysOf(m.connection()));
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

        CompletableFuture<Boolean> otherResult = onNewThread("racing-with-register", other);
        try {
            otherResult.get(1, TimeUnit.SECONDS);
        } catch (TimeoutException blockedByTheHeldThread) {
            // Serialised behind the held register(): it finishes once that is released.
        }
        key.release();
        registering.join(PATIENCE.toMillis());
        Boolean otherReturned = otherResult.get(5, TimeUnit.SECONDS);
        assertFalse(registering.isAlive());
        return new Race(registered.get(), otherReturned);
    }

    private static <T> CompletableFuture<T> onNewThread(String name, Supplier<T> op) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                result.complete(op.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        }, name);
        thread.start();
        return result;
    }

    @Test
    void unregisterRacingWithRegisterOfTheSamePairLeavesNoClosedConnectionBehind() throws Exception {
        Registry<SteerableKey> rooms = new Registry<>();
        Member m = connect();
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
                .atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
                    assertEquals(List.of(), rooms.lookup(room), "closed connections still under 'room'");
                    assertEquals(Set.of(), rooms.keys());
                });
    }

    @Test
    void registerRacingWithTheLastMemberLeavingTheKeyIsNotLost() throws Exception {
        Registry<SteerableKey> rooms = new Registry<>();
        Member leaving = connect();
        Member joining = connect();
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
        List<Member> members = connect(n);
        List<Connection> connections = new ArrayList<>(connectionsOf(members));
        connections.sort((a, b) -> Long.compare(a.id(), b.id()));
        String[] keys = {"k0", "k1", "k2", "k3", "k4", "k5"};
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong ops = new AtomicLong();
        AtomicInteger registrations = new AtomicInteger();
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
                            registry.send(key, 42); // not a String: the protocol ignores it
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
        await("the registry to forget every closed connection").atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
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
