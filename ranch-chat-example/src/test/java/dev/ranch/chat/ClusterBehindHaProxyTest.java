package dev.ranch.chat;

import dev.ranch.core.test.ChildJvm;
import dev.ranch.core.test.Patience;
import dev.ranch.redis.test.RedisServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole deployment of {@code docs/deploy.md} on loopback: a real Redis, three chat nodes
 * (each a JVM of its own, started from the chat's command line, so one can be SIGKILLed like a
 * crashed machine) and a real HAProxy in front of them (round-robin, {@code send-proxy-v2},
 * health checks). Clients connect only through HAProxy and land on every node; they talk in
 * one room; the nodes log the clients' own addresses; Redis restarts under traffic and the
 * cluster carries on by itself; a node stopped gracefully says goodbye and its terminal
 * clients come back through HAProxy on the others while nobody else notices; a node killed
 * hard leaves {@code WHO} within the node expiry.
 */
class ClusterBehindHaProxyTest {

    private static final Duration HEARTBEAT = Duration.ofMillis(300);
    private static final Duration EXPIRY = Duration.ofMillis(1500);
    private static final Duration CHECKS = Duration.ofMillis(300);
    /** Line clients connect from here, so the address a node logs is theirs, never HAProxy's 127.0.0.1. */
    private static final InetAddress CLIENT = address("127.0.0.2");
    private static final String ROOM = "lobby";

    @RegisterExtension
    final RunningChat chat = new RunningChat();

    private RedisServer redis;
    private final List<ChildJvm> nodes = new ArrayList<>();
    private HaProxyBalancer balancer;
    /** The node each line client is on, by index in {@link #nodes}. */
    private final Map<LineClient, Integer> lineNode = new HashMap<>();
    private final Map<TerminalClient, Integer> terminalNode = new HashMap<>();

    @Test
    void threeNodesBehindHaProxyShareARoomThroughARedisRestartAStopAndAKill() throws Exception {
        startCluster();

        // Round-robin: nine clients, three on each node; the nodes log where they really come from.
        List<LineClient> people = new ArrayList<>();
        List<TerminalClient> terminals = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            LineClient person = chat.closeAfter(LineClient.connectFrom(CLIENT, balancer.port())).join(ROOM);
            people.add(person);
            lineNode.put(person, nodeLogging("client 127.0.0.2:" + person.localAddress().getPort() + " joined " + ROOM));
        }
        for (int i = 0; i < 3; i++) {
            terminals.add(terminal());
        }
        assertEquals(Set.of(0, 1, 2), new HashSet<>(lineNode.values()), "line clients on every node: " + lineNode);
        assertEquals(Set.of(0, 1, 2), new HashSet<>(terminalNode.values()), "terminals on every node: " + terminalNode);
        for (LineClient person : people) {
            awaitWho(person, 9);
        }
        talk(people, terminals, "hello");

        redisRestartsUnderTraffic(people);
        talk(people, terminals, "after the restart");

        // A graceful stop: its members hear why, its terminals come back through HAProxy.
        int stopped = 0;
        List<LineClient> stoppedPeople = on(stopped, people);
        TerminalClient moved = terminalsOn(stopped, terminals).get(0);
        int[] joinsBefore = joinsPerNode();
        nodes.get(stopped).stop();
        for (LineClient person : stoppedPeople) {
            List<String> rest = person.readUntilClosed();
            assertEquals(List.of("BYE server shutting down"), rest, "what a member of the stopped node read");
        }
        moved.expect("BYE server shutting down");
        moved.expect("OK joined " + ROOM);
        terminalNode.put(moved, nodeWhere(this::joinsPerNode, joinsBefore));
        people.removeAll(stoppedPeople);
        // The others noticed nothing: the next thing each of them reads is the next line said.
        talk(people, terminals, "after the stop");
        for (LineClient person : people) {
            awaitWho(person, 9 - stoppedPeople.size());
        }

        // A crash: no goodbye, and its members leave WHO once its heartbeat expires.
        int killed = 1;
        int survivor = 2;
        ChildJvm last = nodes.get(survivor);
        long pid = Long.parseLong(nodes.get(killed).ask("pid"));
        long killedAt = System.nanoTime();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        for (LineClient person : on(killed, people)) {
            assertEquals(List.of(), person.readUntilClosed(), "a member of the killed node heard nothing");
        }
        await("WHO on the last node counts only its own members").atMost(EXPIRY.plus(Patience.PATIENCE))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> last.ask("who " + ROOM).equals(last.ask("members " + ROOM)));
        Duration gone = Duration.ofNanos(System.nanoTime() - killedAt);
        assertTrue(gone.compareTo(EXPIRY.plus(HEARTBEAT).plus(Duration.ofSeconds(3))) < 0,
                "the killed node's members were counted for " + gone.toMillis() + " ms");
        System.out.println("ClusterBehindHaProxyTest: a SIGKILLed node left WHO after " + gone.toMillis()
                + " ms (expiry " + EXPIRY.toMillis() + " ms, heartbeat " + HEARTBEAT.toMillis() + " ms)");
        people.removeAll(on(killed, people));
        // Its terminals come back through HAProxy, to the one node left.
        for (TerminalClient terminal : terminalsOn(killed, terminals)) {
            terminal.expect("OK joined " + ROOM);
        }
        talk(people, terminals, "one node left");
    }

    private void startCluster() {
        redis = chat.closeAfter(RedisServer.start());
        List<CompletableFuture<ChildJvm>> starting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String id = "node-" + i;
            // Child JVMs start slowly on a loaded machine: all three at once.
            starting.add(CompletableFuture.supplyAsync(() -> ChildJvm.start(ClusterNode.class, "128m",
                    "--port", "0", "--http-port", "0", "--proxy-protocol", "REQUIRED",
                    "--redis", redis.uri(), "--node-id", id,
                    "--heartbeat-ms", Long.toString(HEARTBEAT.toMillis()),
                    "--node-expiry-ms", Long.toString(EXPIRY.toMillis()))));
        }
        List<Integer> ports = new ArrayList<>();
        for (CompletableFuture<ChildJvm> node : starting) {
            ChildJvm started = chat.closeAfter(node.join());
            nodes.add(started);
            ports.add(started.port());
        }
        balancer = chat.closeAfter(HaProxyBalancer.start(ports, CHECKS));
        await("HAProxy sees every node up").atMost(Patience.PATIENCE).until(() -> balancer.serversUp() == 3);
        for (ChildJvm node : nodes) {
            await("every node subscribed").atMost(Patience.PATIENCE).until(() -> node.ask("linked").equals("true"));
        }
    }

    /** A terminal client through HAProxy, in the room; finds its node by whose log got the join. */
    private TerminalClient terminal() {
        int[] before = joinsPerNode();
        TerminalClient terminal = TerminalClient.connect("127.0.0.1", balancer.port());
        chat.closeAfter(terminal);
        terminal.type("JOIN " + ROOM).expect("OK joined " + ROOM);
        terminalNode.put(terminal, nodeWhere(this::joinsPerNode, before));
        return terminal;
    }

    /** Each line said once reaches every other member once, in order, and nothing else comes with it. */
    private void talk(List<LineClient> people, List<TerminalClient> terminals, String text) {
        for (int i = 0; i < people.size(); i++) {
            people.get(i).send(text + " from " + i);
            for (int j = 0; j < people.size(); j++) {
                if (j != i) {
                    people.get(j).expect(text + " from " + i);
                }
            }
            for (TerminalClient terminal : terminals) {
                terminal.expect(text + " from " + i);
            }
        }
        for (int t = 0; t < terminals.size(); t++) {
            terminals.get(t).type(text + " from terminal " + t);
            for (LineClient person : people) {
                person.expect(text + " from terminal " + t);
            }
            for (int u = 0; u < terminals.size(); u++) {
                if (u != t) {
                    terminals.get(u).expect(text + " from terminal " + t);
                }
            }
        }
    }

    /**
     * Redis goes away and comes back while a member keeps talking in a room of its own: its
     * neighbour on the same node hears every line, members on the other nodes hear the lines
     * in order, never twice, missing at most those said while Redis was away, and hear it
     * again once Redis is back, without anyone doing anything.
     */
    private void redisRestartsUnderTraffic(List<LineClient> people) throws Exception {
        String storm = "storm";
        LineClient sender = people.get(0);
        int home = lineNode.get(sender);
        LineClient neighbour = on(home, people).stream().filter(p -> p != sender).findFirst().orElseThrow();
        List<LineClient> remote = new ArrayList<>();
        for (int n = 0; n < nodes.size(); n++) {
            if (n != home) {
                remote.add(on(n, people).get(0));
            }
        }
        List<LineClient> stormers = new ArrayList<>(remote);
        stormers.add(neighbour);
        stormers.add(sender);
        for (LineClient person : stormers) {
            person.join(storm);
        }
        for (LineClient person : stormers) {
            awaitWho(person, stormers.size());
        }

        AtomicInteger said = new AtomicInteger();
        // A steady trickle, one line every 5 ms, not a flood: this is about Redis, not load.
        ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        ScheduledFuture<?> traffic = pacer.scheduleAtFixedRate(
                () -> sender.send("storm " + said.getAndIncrement()), 0, 5, TimeUnit.MILLISECONDS);
        await().atMost(Patience.PATIENCE).until(() -> said.get() > 100);
        redis.restart();
        int restartedAt = said.get();
        for (ChildJvm node : nodes) {
            await("every node resubscribed by itself").atMost(Patience.PATIENCE)
                    .until(() -> node.ask("linked").equals("true"));
        }
        int relinkedAt = said.get();
        await().atMost(Patience.PATIENCE).until(() -> said.get() > relinkedAt + 100);
        traffic.cancel(false);
        pacer.shutdown();
        assertTrue(pacer.awaitTermination(Patience.PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        sender.send("storm end");
        int total = said.get();

        for (int i = 0; i < total; i++) {
            neighbour.expect("storm " + i);
        }
        neighbour.expect("storm end");
        for (LineClient person : remote) {
            int previous = -1;
            int heard = 0;
            for (String line = person.readLine(); !line.equals("storm end"); line = person.readLine()) {
                int n = Integer.parseInt(line.substring("storm ".length()));
                assertTrue(n > previous, "line " + n + " after line " + previous + ": out of order or twice");
                previous = n;
                heard++;
            }
            assertTrue(previous >= relinkedAt, "lines said after Redis was back arrived: last " + previous);
            System.out.println("ClusterBehindHaProxyTest: a member on another node heard " + heard + " of " + total
                    + " lines; Redis restarted after line " + restartedAt + ", every node linked again by line "
                    + relinkedAt);
        }
        for (ChildJvm node : nodes) {
            assertEquals(1, count(node.output(), "lost Redis"), "one WARN per node: " + node.output());
            assertEquals(1, count(node.output(), " WARN "), "and no other: " + node.output());
            assertEquals(1, count(node.output(), "has Redis at"), "one INFO per node: " + node.output());
        }
        for (LineClient person : stormers) {
            person.join(ROOM);
        }
        for (LineClient person : people) {
            awaitWho(person, 9);
        }
    }

    /** The index of the one node whose log holds {@code text}, waiting for it to appear. */
    private int nodeLogging(String text) {
        return await("a node logs " + text).atMost(Patience.PATIENCE).until(() -> {
            int found = -1;
            for (int n = 0; n < nodes.size(); n++) {
                if (nodes.get(n).output().stream().anyMatch(line -> line.contains(text))) {
                    if (found >= 0) {
                        throw new AssertionError(text + " logged by two nodes");
                    }
                    found = n;
                }
            }
            return found;
        }, n -> n >= 0);
    }

    private int[] joinsPerNode() {
        int[] joins = new int[nodes.size()];
        for (int n = 0; n < nodes.size(); n++) {
            joins[n] = (int) count(nodes.get(n).output(), " joined " + ROOM);
        }
        return joins;
    }

    private static int nodeWhere(Supplier<int[]> now, int[] before) {
        return await("one node logged one more join").atMost(Patience.PATIENCE).until(() -> {
            int[] after = now.get();
            for (int n = 0; n < after.length; n++) {
                if (after[n] > before[n]) {
                    return n;
                }
            }
            return -1;
        }, n -> n >= 0);
    }

    private List<LineClient> on(int node, List<LineClient> people) {
        return onNode(node, people, lineNode);
    }

    private List<TerminalClient> terminalsOn(int node, List<TerminalClient> terminals) {
        return onNode(node, terminals, terminalNode);
    }

    private static <T> List<T> onNode(int node, List<T> clients, Map<T, Integer> where) {
        List<T> here = new ArrayList<>();
        for (T client : clients) {
            if (where.get(client) == node) {
                here.add(client);
            }
        }
        return here;
    }

    private static void awaitWho(LineClient client, int expected) {
        String answer = "OK " + expected + " in ";
        await("WHO says " + answer + "...").atMost(Patience.PATIENCE).pollInterval(Duration.ofMillis(50))
                .until(() -> client.send("WHO").readLine(), line -> line.startsWith(answer));
    }

    private static long count(List<String> lines, String text) {
        return lines.stream().filter(line -> line.contains(text)).count();
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
