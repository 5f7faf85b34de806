package dev.ranch.chat;

import ch.qos.logback.classic.Level;
import dev.ranch.chat.cluster.ClusterStats;
import dev.ranch.chat.cluster.RedisRoomBus;
import dev.ranch.core.test.JdkHttpClients;
import dev.ranch.core.test.Patience;
import dev.ranch.redis.test.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rooms across nodes: three chat servers in this JVM (each its own ranch and its own Redis
 * connections) on one real Redis. A line reaches every other node's members once and in the
 * sender's order, and its own node's members once; {@code WHO} counts every node; Redis going
 * away leaves local rooms alone and the cluster comes back by itself.
 */
class ClusterRoomsTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(200);
    private static final Duration EXPIRY = Duration.ofMillis(1000);

    private static RedisServer redis;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
        JdkHttpClients.awaitCollected();
    }

    @RegisterExtension
    final RunningChat chat = new RunningChat();

    @RegisterExtension
    final ChatLog log = new ChatLog(RedisRoomBus.class);

    private ChatServer node(String id) {
        ChatServer node = chat.start(ChatConfig.builder().eventLoops(2).redis(redis.uri()).nodeId(id)
                .heartbeat(HEARTBEAT).nodeExpiry(EXPIRY));
        await(id + " subscribed").atMost(Patience.PATIENCE).until(() -> stats(node).linked());
        return node;
    }

    private LineClient client(ChatServer node, String room) {
        return chat.closeAfter(LineClient.connect(node.port())).join(room);
    }

    private static ClusterStats stats(ChatServer node) {
        return ((RedisRoomBus) node.bus()).stats();
    }

    /** Asks WHO until it answers {@code expected}. */
    private static void awaitWho(LineClient client, String room, int expected) {
        String answer = "OK " + expected + " in " + room;
        await("WHO says " + answer).atMost(Patience.PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> client.send("WHO").readLine(), answer::equals);
    }

    @Test
    void aLineReachesEveryOtherNodeOnceInTheSendersOrderAndItsOwnNodeOnce() {
        ChatServer a = node("a");
        ChatServer b = node("b");
        ChatServer c = node("c");
        LineClient a1 = client(a, "r");
        LineClient a2 = client(a, "r");
        LineClient b1 = client(b, "r");
        LineClient c1 = client(c, "r");
        LineClient elsewhere = client(c, "other");

        int lines = 300;
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            burst.append("a1 says ").append(i).append('\n');
        }
        // One write: the node cuts it into runs as it reads, each published once.
        a1.raw(burst.toString().getBytes(StandardCharsets.UTF_8));
        for (LineClient receiver : List.of(a2, b1, c1)) {
            for (int i = 0; i < lines; i++) {
                receiver.expect("a1 says " + i);
            }
        }
        // Node a's own runs came back from Redis and were dropped, every one of them...
        await().atMost(Patience.PATIENCE).until(() -> stats(a).ownEchoes() == lines);
        // ...so the next line a2 reads is a later one, not a copy.
        b1.send("b1 after");
        for (LineClient receiver : List.of(a1, a2, c1)) {
            receiver.expect("b1 after");
        }
        elsewhere.send("WHO").expect("OK 1 in other");
        assertEquals(lines, stats(b).received() - 0, "b got a's lines once");
        assertEquals(lines + 1, stats(c).received(), "c got a's lines and b's once");
        assertEquals(0, stats(a).malformed() + stats(b).malformed() + stats(c).malformed());
    }

    @Test
    void aBrowserOnOneNodeAndATerminalOnAnotherShareARoom() {
        ChatServer a = node("web-a");
        ChatServer b = node("web-b");
        SocketClient browser = chat.closeAfter(SocketClient.connect(a.httpPort())).join("r");
        LineClient terminal = client(b, "r");
        terminal.send("hello browser");
        browser.expect("hello browser");
        browser.send("hello terminal");
        terminal.expect("hello terminal");
    }

    @Test
    void whoCountsEveryNodeAndAStoppedNodesMembersLeaveAtOnce() {
        ChatServer a = node("who-a");
        ChatServer b = node("who-b");
        LineClient a1 = client(a, "lobby");
        client(a, "lobby");
        client(b, "lobby");
        LineClient b2 = client(b, "lobby");
        client(b, "hall");

        awaitWho(a1, "lobby", 4);
        awaitWho(b2, "lobby", 4);
        b.close();
        awaitWho(a1, "lobby", 2);
        assertEquals(2, a.membersEverywhere("lobby"));
    }

    @Test
    void aNodeThatStopsBeatingVanishesFromWhoWithinTheExpiry() {
        ChatServer a = node("alive");
        LineClient a1 = client(a, "lobby");
        // A node that died: its last heartbeat, as it left it, with the cluster's time to live.
        redis.call("SET", "ranch-chat:node:ghost", "lobby 5\nhall 2\n", "PX", Long.toString(EXPIRY.toMillis()));
        long beat = System.nanoTime();
        redis.call("SADD", "ranch-chat:nodes", "ghost");
        awaitWho(a1, "lobby", 6);
        awaitWho(a1, "lobby", 1);
        Duration gone = Duration.ofNanos(System.nanoTime() - beat);
        // Redis expires the key at EXPIRY; the node notices at its next heartbeat.
        assertTrue(gone.compareTo(EXPIRY.plus(HEARTBEAT).plus(Patience.PATIENCE)) < 0, "gone after " + gone);
        await().atMost(Patience.PATIENCE).until(() -> !stats(a).otherNodes().contains("ghost"));
        assertEquals(0L, redis.call("SISMEMBER", "ranch-chat:nodes", "ghost"), "the dead id was cleaned up");
    }

    @Test
    void withRedisGoneLocalRoomsCarryOnAndTheClusterComesBackByItself() {
        ChatServer a = node("down-a");
        ChatServer b = node("down-b");
        LineClient a1 = client(a, "r");
        LineClient a2 = client(a, "r");
        LineClient b1 = client(b, "r");
        a1.send("before");
        a2.expect("before");
        b1.expect("before");

        redis.kill();
        await("both nodes noticed").atMost(Patience.PATIENCE).until(() -> !stats(a).linked() && !stats(b).linked());
        for (int i = 0; i < 50; i++) {
            a1.send("while away " + i);
        }
        for (int i = 0; i < 50; i++) {
            a2.expect("while away " + i);
        }
        assertEquals(50, stats(a).unsent(), "lines said while Redis was away are not published");

        redis.startAgain();
        await("both nodes resubscribed").atMost(Patience.PATIENCE).until(() -> stats(a).linked() && stats(b).linked());
        a1.send("after");
        a2.expect("after");
        // Never the lines said while Redis was away: at most once, and never late.
        b1.expect("after");
        b1.send("b is back too");
        a1.expect("b is back too");
        a2.expect("b is back too");

        assertEquals(List.of("lost Redis"), warnings("down-a"));
        assertEquals(List.of("lost Redis"), warnings("down-b"));
        assertEquals(1, infos("down-a", "has Redis at"), log.messages(Level.INFO).toString());
        assertEquals(1, infos("down-b", "has Redis at"), log.messages(Level.INFO).toString());
    }

    @Test
    void aStalledRedisHoldsAtMostThePublishBudgetAndTheRoomCarriesOn() {
        ChatServer a = node("stall-a");
        ChatServer b = node("stall-b");
        LineClient a1 = client(a, "r");
        LineClient a2 = client(a, "r");
        // On node b, but in the room only after the backlog: 8 MiB at once would rightly cut
        // a member that is not reading as too slow, which is not what this test is about.
        LineClient b1 = client(b, "waiting");

        // WRITE mode holds PUBLISH and SET (they may replicate) but lets UNPAUSE through.
        redis.call("CLIENT", "PAUSE", "20000", "WRITE");
        String line = "x".repeat(4000);
        int lines = 4 * (int) (RedisRoomBus.PUBLISH_BUDGET / line.length());
        byte[] burst = (line + "\n").repeat(256).getBytes(StandardCharsets.US_ASCII);
        int sent = 0;
        for (; sent < lines; sent += 256) {
            a1.raw(burst);
            // The neighbour on the same node hears everything, Redis or not.
            for (int i = 0; i < 256; i++) {
                assertEquals(line.length(), a2.readLine().length());
            }
        }
        ClusterStats stalled = stats(a);
        assertTrue(stalled.unsent() > 0, "past the budget runs are not published: " + stalled);
        assertTrue(stalled.peakWaitingBytes() <= RedisRoomBus.PUBLISH_BUDGET, stalled.toString());
        System.out.println("ClusterRoomsTest: " + sent + " lines of " + line.length() + " bytes against a paused Redis: "
                + stalled.unsent() + " unsent, peak " + stalled.peakWaitingBytes() + " bytes waiting (budget "
                + RedisRoomBus.PUBLISH_BUDGET + ")");

        redis.call("CLIENT", "UNPAUSE");
        int total = sent;
        // Every line was published once or counted unsent, and b received each published one once.
        await().atMost(Patience.PATIENCE).until(() -> stats(a).published() + stats(a).unsent() == total
                && stats(b).received() == stats(a).published());
        assertTrue(stats(a).published() > 0, stats(a).toString());
        b1.join("r");
        a1.send("after the stall");
        a2.expect("after the stall");
        b1.expect("after the stall");
    }

    @Test
    void aNodeStartedWithoutRedisServesItsOwnRoomsAndJoinsTheClusterWhenRedisAnswers() {
        redis.stop();
        ChatServer a = chat.start(ChatConfig.builder().eventLoops(2).redis(redis.uri()).nodeId("early")
                .heartbeat(HEARTBEAT).nodeExpiry(EXPIRY));
        LineClient a1 = client(a, "r");
        LineClient a2 = client(a, "r");
        a1.send("no Redis yet");
        a2.expect("no Redis yet");
        a1.send("WHO").expect("OK 2 in r");
        await("one WARN").atMost(RedisRoomBus.UNREACHABLE_AFTER.plus(Patience.PATIENCE))
                .until(() -> !warnings("early").isEmpty());

        redis.startAgain();
        await("linked once Redis answers").atMost(Patience.PATIENCE).until(() -> stats(a).linked());
        ChatServer b = node("late");
        LineClient b1 = client(b, "r");
        a1.send("now the cluster");
        a2.expect("now the cluster");
        b1.expect("now the cluster");
        assertEquals(1, warnings("early").size(), log.messages(Level.WARN).toString());
        assertEquals(1, infos("early", "answers"), log.messages(Level.INFO).toString());
    }

    @Test
    void garbageOnTheChannelIsDroppedAndCounted() {
        ChatServer a = node("junk-a");
        ChatServer b = node("junk-b");
        LineClient a1 = client(a, "r");
        LineClient b1 = client(b, "r");
        redis.call("PUBLISH", ((RedisRoomBus) a.bus()).channel(), "not a run of lines");
        await().atMost(Patience.PATIENCE).until(() -> stats(a).malformed() == 1 && stats(b).malformed() == 1);
        a1.send("still here");
        b1.expect("still here");
    }

    private List<String> warnings(String node) {
        return log.messages(Level.WARN).stream().filter(m -> m.contains("node " + node + " "))
                .map(m -> m.contains("lost Redis") ? "lost Redis" : m).collect(Collectors.toList());
    }

    private long infos(String node, String text) {
        return log.messages(Level.INFO).stream().filter(m -> m.contains("node " + node + " ") && m.contains(text)).count();
    }
}
