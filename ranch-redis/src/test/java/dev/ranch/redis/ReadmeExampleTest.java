package dev.ranch.redis;

import dev.ranch.core.Ranch;
import dev.ranch.redis.test.RedisServer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The README's example, kept compiling and working against a real redis-server. */
class ReadmeExampleTest {

    @Test
    void readmeExampleTalksToRedis() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        try (RedisServer server = RedisServer.start(); Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            String uri = server.uri();
            // --- README example begins ---
            RedisOptions options = RedisOptions.fromUri(uri).toBuilder()   // e.g. "redis://:secret@host:6379/0"
                    .clientName("chat-node-1")
                    .commandTimeout(Duration.ofSeconds(2))
                    .build();
            RedisClient redis = RedisClient.connect(ranch, options);       // returns at once
            redis.set("greeting", "hello");
            String text = redis.command("GET", "greeting").join().asText(); // "hello"
            long visits = redis.incr("visits").join();                      // 1
            redis.command("HSET", "user:1", "name", "Ada")
                    .thenCompose(added -> redis.command("HGETALL", "user:1"))
                    .thenAccept(user -> System.out.println(user.asTextMap()));  // {name=Ada}
            redis.command("LPUSH", "greeting", "x").exceptionally(e -> {
                System.out.println(e.getCause().getMessage());              // WRONGTYPE Operation against a key...
                return null;
            });

            RedisSubscriber subscriber = RedisSubscriber.connect(ranch, options, new SubscriptionListener() {
                @Override
                public void onMessage(String channel, byte[] message) {     // on the loop thread: do not block
                    heard.add(channel + ": " + new String(message, StandardCharsets.UTF_8));
                }

                @Override
                public void onResubscribed(Set<String> channels, Set<String> patterns) {
                    System.out.println("back on " + channels + "; messages in between were missed");
                }
            });
            subscriber.subscribe("room:lobby").join();                       // confirmed by Redis
            redis.publish("room:lobby", "hi all".getBytes(StandardCharsets.UTF_8));
            // --- README example ends ---
            assertEquals("hello", text);
            assertEquals(1L, visits);
            await().atMost(PATIENCE).until(() -> heard.contains("room:lobby: hi all"));
            subscriber.close();
            redis.close();
        }
    }
}
