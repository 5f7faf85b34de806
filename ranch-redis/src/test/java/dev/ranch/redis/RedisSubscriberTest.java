package dev.ranch.redis;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.TestRanch;
import dev.ranch.redis.test.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.redis.RedisClientTest.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pub/sub against a real redis-server, through restarts and Redis cutting a stalled subscriber. */
class RedisSubscriberTest {

    @TestRanch(eventLoops = 2, jmx = false)
    private Ranch ranch;

    private RedisServer redis;

    @AfterEach
    void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    /** Everything a listener was told, in order, as text. */
    static final class Recorder implements SubscriptionListener {
        final List<String> events = new CopyOnWriteArrayList<>();
        final AtomicInteger messages = new AtomicInteger();

        @Override
        public void onMessage(String channel, byte[] message) {
            messages.incrementAndGet();
            events.add("message " + channel + " " + new String(message, StandardCharsets.UTF_8));
        }

        @Override
        public void onPatternMessage(String pattern, String channel, byte[] message) {
            events.add("pmessage " + pattern + " " + channel + " " + new String(message, StandardCharsets.UTF_8));
        }

        @Override
        public void onDisconnected(Throwable cause) {
            events.add("disconnected");
        }

        @Override
        public void onResubscribed(Set<String> channels, Set<String> patterns) {
            events.add("resubscribed " + new java.util.TreeSet<>(channels) + " " + new java.util.TreeSet<>(patterns));
        }

        boolean saw(String event) {
            return events.contains(event);
        }
    }

    private void subscribedMessagesArriveInOrder(RespVersion version) throws Exception {
        redis = RedisServer.start();
        Recorder recorder = new Recorder();
        RedisSubscriber subscriber = RedisSubscriber.connect(ranch, redis.options().protocol(version).build(), recorder);
        RedisClient publisher = RedisClient.connect(ranch, redis.options().protocol(version).build());
        get(subscriber.subscribe("room:1", "room:2"));
        get(subscriber.psubscribe("news.*"));
        assertEquals(Set.of("room:1", "room:2"), subscriber.channels());
        for (int i = 0; i < 100; i++) {
            assertEquals(1L, get(publisher.publish("room:1", ("line " + i).getBytes(StandardCharsets.UTF_8))));
        }
        publisher.publish("news.sport", "goal".getBytes(StandardCharsets.UTF_8));
        publisher.publish("elsewhere", "unheard".getBytes(StandardCharsets.UTF_8));
        await().atMost(PATIENCE).until(() -> recorder.saw("pmessage news.* news.sport goal"));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            expected.add("message room:1 line " + i);
        }
        expected.add("pmessage news.* news.sport goal");
        assertEquals(expected, recorder.events);

        get(subscriber.unsubscribe("room:1"));
        assertEquals(Set.of("room:2"), subscriber.channels());
        assertEquals(0L, get(publisher.publish("room:1", new byte[] {1})));
        assertEquals(1L, get(publisher.publish("room:2", "still".getBytes(StandardCharsets.UTF_8))));
        await().atMost(PATIENCE).until(() -> recorder.saw("message room:2 still"));
        get(subscriber.punsubscribe());
        assertEquals(Set.of(), subscriber.patterns());
        assertEquals(0L, get(publisher.publish("news.sport", new byte[] {1})));
    }

    @Test
    void subscribedMessagesArriveInOrderOverResp3() throws Exception {
        subscribedMessagesArriveInOrder(RespVersion.RESP3);
    }

    @Test
    void subscribedMessagesArriveInOrderOverResp2() throws Exception {
        subscribedMessagesArriveInOrder(RespVersion.RESP2);
    }

    @Test
    void subscriptionsAreRestoredAfterRedisRestarts() throws Exception {
        redis = RedisServer.start();
        Recorder recorder = new Recorder();
        RedisSubscriber subscriber = RedisSubscriber.connect(ranch, redis.options().build(), recorder);
        RedisClient publisher = RedisClient.connect(ranch, redis.options().build());
        get(subscriber.subscribe("a", "b"));
        get(subscriber.psubscribe("p.*"));
        get(publisher.publish("a", "before".getBytes(StandardCharsets.UTF_8)));
        await().atMost(PATIENCE).until(() -> recorder.saw("message a before"));

        redis.kill();
        await().atMost(PATIENCE).until(() -> recorder.saw("disconnected"));
        assertTrue(!subscriber.isConnected());
        redis.startAgain();
        await().atMost(PATIENCE).until(() -> recorder.saw("resubscribed [a, b] [p.*]"));
        assertTrue(subscriber.isConnected());
        // Restored on the server, not just remembered: Redis counts the subscriber again.
        assertEquals(List.of("a", 1L, "b", 1L), redis.call("PUBSUB", "NUMSUB", "a", "b"));
        assertEquals(1L, redis.call("PUBSUB", "NUMPAT"));
        await().atMost(PATIENCE).ignoreExceptionsInstanceOf(ExecutionException.class).untilAsserted(
                () -> assertEquals(1L, get(publisher.publish("p.x", "after".getBytes(StandardCharsets.UTF_8)))));
        await().atMost(PATIENCE).until(() -> recorder.saw("pmessage p.* p.x after"));
        int disconnected = recorder.events.indexOf("disconnected");
        assertTrue(disconnected < recorder.events.indexOf("resubscribed [a, b] [p.*]"));
    }

    @Test
    void aStalledSubscriberIsCutByRedisAndComesBack() throws Exception {
        // A tiny pub/sub output buffer: Redis drops a subscriber that lets 64 KiB pile up.
        redis = RedisServer.start("--client-output-buffer-limit", "pubsub 64kb 0 0");
        Recorder recorder = new Recorder();
        RedisSubscriber subscriber = RedisSubscriber.connect(ranch, redis.options().build(), recorder);
        RedisClient publisher = RedisClient.connect(ranch, redis.options().build());
        get(subscriber.subscribe("flood"));
        subscriber.pauseReads();
        byte[] line = new byte[1024];
        // Our socket buffers fill first, then Redis's output buffer for the subscriber passes the limit.
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(1)).until(() -> {
            for (int i = 0; i < 100; i++) {
                publisher.publish("flood", line);
            }
            return get(publisher.publish("flood", line)) == 0L;
        });
        // Cut by Redis for the buffer, not by anything of ours: its log says so.
        assertTrue(redis.output().contains("for overcoming of output buffer limits"), redis.output());
        subscriber.resumeReads();
        await().atMost(PATIENCE).until(() -> recorder.saw("disconnected"));
        await().atMost(PATIENCE).until(() -> recorder.saw("resubscribed [flood] []"));
        int before = recorder.messages.get();
        await().atMost(PATIENCE).ignoreExceptionsInstanceOf(ExecutionException.class).untilAsserted(
                () -> assertEquals(1L, get(publisher.publish("flood", "back".getBytes(StandardCharsets.UTF_8)))));
        await().atMost(PATIENCE).until(() -> recorder.saw("message flood back"));
        assertTrue(recorder.messages.get() > before);
    }

    @Test
    void subscribingBeforeTheServerIsUpWaitsForIt() throws Exception {
        redis = RedisServer.start();
        redis.kill();
        Recorder recorder = new Recorder();
        RedisSubscriber subscriber = RedisSubscriber.connect(ranch, redis.options().build(), recorder);
        var subscribed = subscriber.subscribe("early");
        assertTrue(!subscribed.isDone());
        redis.startAgain();
        get(subscribed);
        assertEquals(List.of("early", 1L), redis.call("PUBSUB", "NUMSUB", "early"));
        assertEquals(List.of(), recorder.events, "the first connection is no resubscription");
    }
}
