package dev.ranch.core.registry;

import dev.ranch.core.Connection;
import dev.ranch.core.Ranch;
import dev.ranch.core.registry.RoomServer.Member;
import dev.ranch.core.test.OpenClients;
import dev.ranch.core.test.TestRanch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static dev.ranch.core.registry.RoomServer.connectionsOf;
import static dev.ranch.core.registry.RoomServer.join;
import static dev.ranch.core.registry.RoomServer.leave;
import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the registry does for connections that join and leave keys, and that close: lookups,
 * dispatch and sends to a key, unregistering, and cleanup when a connection ends, against
 * real connections of a {@link RoomServer}.
 */
class RegistryTest {

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
        List<Member> members = server.connect(10);
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
        Member m = server.connect();

        assertTrue(join(m, "lobby"));
        assertFalse(join(m, "lobby"), "the second register of the same pair");

        assertEquals(1, registry.count("lobby"));
        assertEquals(List.of(m.connection()), registry.lookup("lobby"));
    }

    @Test
    void dispatchVisitsEveryConnectionUnderTheKeyOnce() {
        List<Member> lobby = server.connect(8);
        List<Member> elsewhere = server.connect(3);
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
        join(server.connect(), "lobby");
        AtomicInteger calls = new AtomicInteger();

        assertEquals(0, registry.dispatch("nobody-here", c -> calls.incrementAndGet()));

        assertEquals(0, calls.get());
        assertEquals(0, registry.count("nobody-here"));
        assertEquals(List.of(), registry.lookup("nobody-here"));
    }

    @Test
    void dispatchedSendsReachEveryClientUnderTheKey() {
        List<Member> lobby = server.connect(5);
        lobby.forEach(m -> join(m, "lobby"));

        registry.dispatch("lobby", c -> c.send("to " + c.id()));

        for (Member m : lobby) {
            assertEquals("MSG to " + m.connection().id(), m.client().readLine());
        }
    }

    @Test
    void sendDeliversTheMessageToEveryMailboxUnderTheKeyAndNoOther() {
        List<Member> lobby = server.connect(5);
        List<Member> other = server.connect(3);
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
        List<Member> lobby = server.connect(4);
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
        Member both = server.connect();
        Member onlyA = server.connect();
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
        Member m = server.connect();
        Member stays = server.connect();
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
        Member m = server.connect();
        join(m, "a");
        join(m, "b");

        assertTrue(leave(m, "b"));

        assertEquals(Set.of("a"), registry.keys());
        assertEquals(0, registry.count("b"));
        assertEquals(0, registry.send("b", "lost"));
    }

    @Test
    void unregisterOfAPairThatIsNotRegisteredReturnsFalse() {
        Member m = server.connect();
        Member stranger = server.connect();
        join(m, "a");

        assertFalse(leave(m, "never-joined"));
        assertFalse(registry.unregister("a", stranger.connection()));
        assertTrue(leave(m, "a"));
        assertFalse(leave(m, "a"), "a second unregister");

        assertEquals(Set.of(), registry.keys());
    }

    @Test
    void aConnectionCanRejoinAKeyItLeft() {
        Member m = server.connect();
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
        List<Member> members = server.connect(6);
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
        Member leaving = server.connect();
        Member staying = server.connect();
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
        Member m = server.connect();
        Member other = server.connect();
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
        List<Member> members = server.connect(5);
        members.forEach(m -> join(m, "lobby"));
        join(members.get(0), "other");

        ranch.stopListener(RoomServer.NAME);

        await("every key to empty").atMost(PATIENCE).untilAsserted(() -> assertEquals(Set.of(), registry.keys()));
        assertClosedAndUnderNoKey(members);
    }

    @Test
    void aConnectionRegisteredFromAnotherThreadStillLeavesWhenItCloses() {
        Member m = server.connect();

        assertTrue(registry.register("from-test-thread", m.connection()));
        assertEquals(List.of(m.connection()), registry.lookup("from-test-thread"));

        m.client().close();

        awaitGoneFromRegistry(m.connection());
        assertEquals(Set.of(), registry.keys());
    }

    // ---- registering a closed connection ----

    @Test
    void registeringAClosedConnectionReturnsFalseAndLeavesNothingBehind() {
        Member m = server.connect();
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
        Member m = server.connect();
        join(m, "before");
        m.client().close();
        awaitGoneFromRegistry(m.connection());

        assertFalse(registry.register("before", m.connection()));
        assertFalse(registry.register("after", m.connection()));

        assertEquals(Set.of(), registry.keys());
        assertEquals(Set.of(), registry.keysOf(m.connection()));
    }
}
