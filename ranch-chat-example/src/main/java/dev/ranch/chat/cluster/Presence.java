package dev.ranch.chat.cluster;

import dev.ranch.chat.RoomBus;
import dev.ranch.redis.RedisClient;
import dev.ranch.redis.RedisValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Who is where in the cluster, for {@code WHO}: every node keeps its member count per room in
 * Redis under a key of its own that expires, renews it at each heartbeat, and reads the other
 * nodes' keys back. A node that dies stops renewing and its key expires, so its members leave
 * every other node's count by themselves; a node that stops gracefully deletes its key at once.
 *
 * <p>In Redis (in the database of the cluster's URI): {@code ranch-chat:node:<id>}, a string
 * {@code "room count\n..."} with the node expiry as its time to live, and
 * {@code ranch-chat:nodes}, the set of node ids that may have such a key. A heartbeat sends
 * {@code SET key counts PX expiry}, {@code SADD}, {@code SMEMBERS} in one write, then one
 * {@code MGET} of the other nodes' keys; an id whose key is gone is removed from the set
 * ({@code SREM}). Expiry is Redis's clock alone, so the nodes' clocks need not agree.
 *
 * <p>The counts of the other nodes are a snapshot of the last heartbeat that got through; a
 * snapshot older than the node expiry counts no one (Redis is away, so who is there is not
 * known). {@link #beat()} runs on the heartbeat thread, one at a time (a beat still waiting
 * for Redis makes the next one skip); everything else on any thread.
 */
final class Presence {

    /** The set of node ids. */
    static final String NODES = "ranch-chat:nodes";

    private static final Logger LOG = LoggerFactory.getLogger(Presence.class);

    private final RedisClient redis;
    private final String node;
    private final Duration expiry;
    private final RoomBus.LocalRooms rooms;
    private final AtomicBoolean beating = new AtomicBoolean();
    private volatile Snapshot others = new Snapshot(Map.of(), Set.of(), System.nanoTime() - Long.MAX_VALUE / 2);

    /** The other nodes' members per room, and which nodes they are, as of {@code takenAt} ({@link System#nanoTime()}). */
    private record Snapshot(Map<String, Integer> members, Set<String> nodes, long takenAt) {}

    Presence(RedisClient redis, String node, Duration expiry, RoomBus.LocalRooms rooms) {
        this.redis = redis;
        this.node = node;
        this.expiry = expiry;
        this.rooms = rooms;
    }

    /** The key holding {@code node}'s member counts. */
    static String key(String node) {
        return "ranch-chat:node:" + node;
    }

    /** Writes this node's counts and reads the others'; returns at once. Heartbeat thread. */
    void beat() {
        if (!beating.compareAndSet(false, true)) {
            return;
        }
        try {
            redis.command(utf8("SET"), utf8(key(node)), encode(rooms.memberCounts()),
                    utf8("PX"), utf8(Long.toString(expiry.toMillis())));
            redis.command("SADD", NODES, node);
            redis.command("SMEMBERS", NODES)
                    .thenCompose(this::readOthers)
                    .whenComplete((snapshot, failure) -> {
                        if (failure == null) {
                            tellChanges(others.nodes(), snapshot.nodes());
                            others = snapshot;
                        } else {
                            LOG.debug("heartbeat of {} failed", node, failure);
                        }
                        beating.set(false);
                    });
        } catch (RuntimeException e) {
            beating.set(false);
            throw e;
        }
    }

    private CompletableFuture<Snapshot> readOthers(RedisValue members) {
        List<String> ids = new ArrayList<>();
        for (RedisValue id : members.asList()) {
            String text = id.asText();
            if (!text.equals(node)) {
                ids.add(text);
            }
        }
        if (ids.isEmpty()) {
            return CompletableFuture.completedFuture(new Snapshot(Map.of(), Set.of(), System.nanoTime()));
        }
        String[] mget = new String[ids.size() + 1];
        mget[0] = "MGET";
        for (int i = 0; i < ids.size(); i++) {
            mget[i + 1] = key(ids.get(i));
        }
        return redis.command(mget).thenApply(values -> {
            Map<String, Integer> sum = new HashMap<>();
            Set<String> alive = new TreeSet<>();
            List<RedisValue> counts = values.asList();
            for (int i = 0; i < ids.size(); i++) {
                RedisValue value = counts.get(i);
                if (value.isNull()) {
                    // Expired (dead) or deleted (stopped): out of the set too. A live node
                    // whose key lapsed puts itself back at its next heartbeat.
                    redis.command("SREM", NODES, ids.get(i));
                } else {
                    alive.add(ids.get(i));
                    decode(value.asBytes(), sum);
                }
            }
            return new Snapshot(sum, alive, System.nanoTime());
        });
    }

    private void tellChanges(Set<String> before, Set<String> now) {
        for (String id : now) {
            if (!before.contains(id)) {
                LOG.info("cluster: node {} is here", id);
            }
        }
        for (String id : before) {
            if (!now.contains(id)) {
                LOG.info("cluster: node {} is gone", id);
            }
        }
    }

    /** Members of {@code room} on the other nodes as of the last heartbeat, 0 once that is older than the expiry. Any thread. */
    int remoteMembers(String room) {
        Snapshot snapshot = fresh();
        return snapshot == null ? 0 : snapshot.members().getOrDefault(room, 0);
    }

    /** The other live nodes as of the last heartbeat, empty once that is older than the expiry. Any thread. */
    Set<String> otherNodes() {
        Snapshot snapshot = fresh();
        return snapshot == null ? Set.of() : snapshot.nodes();
    }

    private Snapshot fresh() {
        Snapshot snapshot = others;
        return System.nanoTime() - snapshot.takenAt() > expiry.toNanos() ? null : snapshot;
    }

    /**
     * Deletes this node's key and id, so other nodes stop counting its members at their next
     * heartbeat; waits for Redis at most {@code patience}, after which the key expires anyway.
     * Any thread but a loop thread.
     */
    void withdraw(Duration patience) {
        CompletableFuture<RedisValue> deleted = redis.command("DEL", key(node));
        CompletableFuture<RedisValue> removed = redis.command("SREM", NODES, node);
        try {
            CompletableFuture.allOf(deleted, removed).get(patience.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("could not withdraw {} from the cluster; its key expires by itself", node, e);
        }
    }

    /** {@code "room count\n"} per room. Room names hold no spaces or line breaks. */
    static byte[] encode(Map<String, Integer> counts) {
        StringBuilder text = new StringBuilder();
        counts.forEach((room, n) -> text.append(room).append(' ').append(n).append('\n'));
        return utf8(text.toString());
    }

    /** Adds the counts in {@code bytes} to {@code sum}; lines that are not {@code "room count"} are skipped. */
    static void decode(byte[] bytes, Map<String, Integer> sum) {
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            try {
                int n = Integer.parseInt(line.substring(space + 1));
                if (n > 0) {
                    sum.merge(line.substring(0, space), n, Integer::sum);
                }
            } catch (NumberFormatException skipped) {
                // Not ours, or damaged: counts no one.
            }
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
