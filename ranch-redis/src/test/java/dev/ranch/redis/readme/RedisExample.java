package dev.ranch.redis.readme;

import dev.ranch.core.Ranch;
import dev.ranch.redis.RedisClient;
import dev.ranch.redis.RedisOptions;
import dev.ranch.redis.RedisSubscriber;
import dev.ranch.redis.SubscriptionListener;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

public final class RedisExample {
    public static void main(String[] args) throws InterruptedException {
        String uri = args.length > 0 ? args[0] : "redis://localhost:6379";  // or "redis://:secret@host:6379/0"
        try (Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            RedisOptions options = RedisOptions.fromUri(uri).toBuilder()
                    .clientName("chat-node-1")
                    .commandTimeout(Duration.ofSeconds(2))
                    .build();
            RedisClient redis = RedisClient.connect(ranch, options);       // returns at once
            redis.set("greeting", "hello");
            String text = redis.command("GET", "greeting").join().asText(); // "hello"
            long visits = redis.incr("visits").join();                      // 1 on an empty database
            System.out.println(text + ", visit " + visits);
            redis.command("HSET", "user:1", "name", "Ada")
                    .thenCompose(added -> redis.command("HGETALL", "user:1"))
                    .thenAccept(user -> System.out.println(user.asTextMap()))  // {name=Ada}
                    .join();
            redis.command("LPUSH", "greeting", "x").exceptionally(e -> {     // a RedisErrorException
                System.out.println(e.getMessage());                         // WRONGTYPE Operation against a key...
                return null;
            }).join();

            CountDownLatch heard = new CountDownLatch(1);
            RedisSubscriber subscriber = RedisSubscriber.connect(ranch, options, new SubscriptionListener() {
                @Override
                public void onMessage(String channel, byte[] message) {     // on the loop thread: do not block
                    System.out.println(channel + ": " + new String(message, StandardCharsets.UTF_8));
                    heard.countDown();
                }

                @Override
                public void onResubscribed(Set<String> channels, Set<String> patterns) {
                    System.out.println("back on " + channels + "; messages in between were missed");
                }
            });
            subscriber.subscribe("room:lobby").join();                       // confirmed by Redis
            redis.publish("room:lobby", "hi all".getBytes(StandardCharsets.UTF_8));
            heard.await();                                                   // room:lobby: hi all
            subscriber.close();
            redis.close();
        }
    }
}
