package dev.ranch.guide;

import dev.ranch.core.Ranch;
import dev.ranch.redis.RedisClient;
import dev.ranch.redis.RedisOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A page-visit counter in Redis, through ranch-redis on the same ranch as the servers. */
public final class RedisVisits {
    private final RedisClient redis;

    public RedisVisits(Ranch ranch, String uri) {               // "redis://:password@host:6379/0"
        RedisOptions options = RedisOptions.fromUri(uri).toBuilder()
                .clientName("visits")
                .commandTimeout(Duration.ofSeconds(2))
                .build();
        this.redis = RedisClient.connect(ranch, options);       // returns at once, connects in the background
    }

    /** Completes on the connection's loop thread: chain work on it, never join() inside a callback. */
    public CompletableFuture<Long> visit(String page) {
        return redis.incr("visits:" + page);
    }

    public void close() {
        redis.close();
    }
}
