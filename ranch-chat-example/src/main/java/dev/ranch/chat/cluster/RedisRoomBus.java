package dev.ranch.chat.cluster;

import dev.ranch.chat.ChatConfig;
import dev.ranch.chat.RoomBus;
import dev.ranch.core.Ranch;
import dev.ranch.redis.RedisClient;
import dev.ranch.redis.RedisOptions;
import dev.ranch.redis.RedisSubscriber;
import dev.ranch.redis.SubscriptionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The chat's rooms across several nodes over Redis pub/sub. Every node publishes the runs its
 * members say on one channel per cluster, {@code ranch-chat:lines:<db>}, and subscribes to it;
 * each run carries its node's id ({@link Envelope}), so a node drops its own runs when they
 * come back (its members had them at once, from the sender) and hands the others' to its
 * rooms. Redis delivers the messages of one publishing connection to a subscriber in the
 * order published, and each node publishes on one connection, so a run reaches every other
 * node once, in the order its node said it. {@code WHO} adds the other nodes' members from
 * {@link Presence}.
 *
 * <p>Its Redis connections (a publisher, a subscriber) live on a {@link Ranch} of its own with
 * one loop, so handing a run from Redis to a room's members never holds a chat loop, and while
 * that loop is busy it does not read: the kernel and then Redis hold what waits (Redis cuts a
 * subscriber past {@code client-output-buffer-limit pubsub}; it reconnects by itself). The
 * heartbeat has a thread of its own.
 *
 * <p><b>Redis away.</b> Local rooms carry on untouched. Runs said meanwhile are not published:
 * other nodes never get them (at most once, as Phoenix.PubSub does), counted in
 * {@link ClusterStats#unsent()}; nothing waits for Redis beyond {@link #PUBLISH_BUDGET}. The
 * clients reconnect by themselves, and the node resubscribes. One WARN when Redis is lost (or
 * cannot be reached within {@link #UNREACHABLE_AFTER} of the start), one INFO when it is back.
 *
 * <p>Thread-safe.
 */
public final class RedisRoomBus implements RoomBus {

    /**
     * Bytes of publishes that may wait for Redis's confirmation at once; past it, new runs are
     * not published (and counted unsent), so a Redis that stalls costs at most this much heap.
     */
    public static final long PUBLISH_BUDGET = 8L * 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(RedisRoomBus.class);
    /**
     * How long after its start a node that has not reached Redis says so (once, at WARN): long
     * enough for a cold JVM on a busy machine to connect, short enough for an operator.
     */
    public static final Duration UNREACHABLE_AFTER = Duration.ofSeconds(5);
    /** How long a graceful stop waits for Redis to forget this node. */
    private static final Duration WITHDRAW_PATIENCE = Duration.ofSeconds(1);

    private final String node;
    private final byte[] nodeBytes;
    private final String channel;
    private final RedisOptions options;
    private final LocalRooms rooms;
    private final Ranch ranch;
    private final RedisClient publisher;
    private final RedisSubscriber subscriber;
    private final Presence presence;
    private final ScheduledExecutorService heartbeat;
    private volatile long startedAt;

    private final AtomicBoolean linked = new AtomicBoolean();
    private volatile boolean everLinked;
    private volatile boolean unreachableSaid;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong waitingBytes = new AtomicLong();
    private final AtomicLong peakWaitingBytes = new AtomicLong();
    private final LongAdder published = new LongAdder();
    private final LongAdder unsent = new LongAdder();
    private final LongAdder received = new LongAdder();
    private final LongAdder ownEchoes = new LongAdder();
    private final LongAdder malformed = new LongAdder();

    private RedisRoomBus(ChatConfig config, LocalRooms rooms) {
        this.node = config.nodeId();
        this.nodeBytes = node.getBytes(StandardCharsets.UTF_8);
        this.options = RedisOptions.fromUri(config.redis());
        this.channel = "ranch-chat:lines:" + options.database();
        this.rooms = rooms;
        this.ranch = Ranch.builder().eventLoops(1).jmx(false).build();
        RedisOptions named = options.toBuilder().clientName("ranch-chat:" + node).build();
        RedisClient client = null;
        try {
            client = RedisClient.connect(ranch, named);
            this.subscriber = RedisSubscriber.connect(ranch, named, new Inbound());
        } catch (RuntimeException e) {
            if (client != null) {
                client.close();
            }
            ranch.close();
            throw e;
        }
        this.publisher = client;
        this.presence = new Presence(publisher, node, config.nodeExpiry(), rooms);
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "chat-cluster-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Joins the cluster {@code config} names ({@link ChatConfig#redis()}) for {@code rooms}:
     * starts connecting, subscribing and beating, and returns at once; the node links up when
     * Redis answers. Any thread.
     */
    public static RedisRoomBus start(ChatConfig config, LocalRooms rooms) {
        RedisRoomBus bus = new RedisRoomBus(config, rooms);
        LOG.info("cluster: node {} joining through {}", bus.node, bus.options);
        bus.subscriber.subscribe(bus.channel).whenComplete((ok, failure) -> {
            if (failure == null) {
                bus.up();
            }
        });
        bus.startedAt = System.nanoTime();
        long period = config.heartbeat().toMillis();
        bus.heartbeat.scheduleWithFixedDelay(bus::beat, 0, period, TimeUnit.MILLISECONDS);
        return bus;
    }

    @Override
    public boolean isShared() {
        return true;
    }

    @Override
    public void publish(String room, byte[] lines, int count) {
        if (!linked.get()) {
            unsent.add(count);
            return;
        }
        byte[] message = Envelope.encode(nodeBytes, room, lines);
        int size = message.length;
        long waiting = waitingBytes.addAndGet(size);
        if (waiting > PUBLISH_BUDGET) {
            waitingBytes.addAndGet(-size);
            unsent.add(count);
            return;
        }
        peakWaitingBytes.accumulateAndGet(waiting, Math::max);
        publisher.publish(channel, message).whenComplete((subscribers, failure) -> {
            waitingBytes.addAndGet(-size);
            if (failure == null) {
                published.add(count);
            } else {
                unsent.add(count);
            }
        });
    }

    @Override
    public int remoteMembers(String room) {
        return presence.remoteMembers(room);
    }

    /** This node's id in the cluster. */
    public String node() {
        return node;
    }

    /** The pub/sub channel the nodes of this cluster share. */
    public String channel() {
        return channel;
    }

    /** A snapshot of this node's cluster traffic. Any thread. */
    public ClusterStats stats() {
        return new ClusterStats(linked.get(), published.sum(), unsent.sum(), received.sum(), ownEchoes.sum(),
                malformed.sum(), peakWaitingBytes.get(), presence.otherNodes());
    }

    private void beat() {
        try {
            if (!everLinked && !unreachableSaid && System.nanoTime() - startedAt > UNREACHABLE_AFTER.toNanos()) {
                unreachableSaid = true;
                LOG.warn("cluster: node {} cannot reach Redis at {} yet; local rooms work, the cluster is joined "
                        + "when it answers", node, options);
            }
            presence.beat();
        } catch (RuntimeException e) {
            // Thrown out of a scheduled task, it would end the heartbeat for good.
            LOG.debug("heartbeat of {} failed", node, e);
        }
    }

    private void up() {
        if (!closed.get() && linked.compareAndSet(false, true)) {
            if (!everLinked) {
                everLinked = true;
                if (unreachableSaid) {
                    LOG.info("cluster: Redis at {} answers; node {} has joined the cluster", options, node);
                } else {
                    LOG.info("cluster: node {} has joined the cluster on {}", node, channel);
                }
            } else {
                LOG.info("cluster: node {} has Redis at {} back; lines flow between the nodes again "
                        + "(those said while it was away were missed)", node, options);
            }
        }
    }

    private void down(Throwable cause) {
        if (!closed.get() && linked.compareAndSet(true, false)) {
            LOG.warn("cluster: node {} lost Redis at {} ({}); local rooms carry on, lines said meanwhile do not "
                    + "reach other nodes; reconnecting", node, options, cause == null ? "closed" : cause.toString());
        }
    }

    /**
     * Leaves the cluster: stops the heartbeat, deletes this node's members from Redis (so the
     * others stop counting them at their next heartbeat; waits at most a second), closes both
     * connections and the bus's loop. Idempotent. Not on a loop thread.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        linked.set(false);
        heartbeat.shutdownNow();
        try {
            heartbeat.awaitTermination(WITHDRAW_PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (everLinked) {
            presence.withdraw(WITHDRAW_PATIENCE);
        }
        subscriber.close();
        publisher.close();
        ranch.close();
        LOG.info("cluster: node {} has left the cluster", node);
    }

    @Override
    public String toString() {
        return "cluster node " + node + " on " + channel + " of " + options;
    }

    /** What arrives on the subscriber's loop thread. */
    private final class Inbound implements SubscriptionListener {

        @Override
        public void onMessage(String from, byte[] message) {
            Envelope run = Envelope.decode(message);
            if (run == null) {
                malformed.increment();
            } else if (run.from(nodeBytes)) {
                ownEchoes.add(run.count);
            } else {
                received.add(run.count);
                rooms.deliver(run.room, run.lines, run.count);
            }
        }

        @Override
        public void onDisconnected(Throwable cause) {
            down(cause);
        }

        @Override
        public void onResubscribed(Set<String> channels, Set<String> patterns) {
            up();
        }
    }
}
