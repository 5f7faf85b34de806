/**
 * ranch-redis: a pipelining Redis client (RESP2 and RESP3, pub/sub) on ranch-core's outbound
 * connections. Start with {@link dev.ranch.redis.RedisClient}.
 *
 * <p>Only {@code dev.ranch.redis} is exported; the RESP codec lives in
 * {@code dev.ranch.redis.internal.resp}.
 */
module dev.ranch.redis {
    // RedisClient.connect takes a Ranch; RedisOptions names TlsOptions and ReconnectPolicy.
    requires transitive dev.ranch.core;
    requires org.slf4j;

    exports dev.ranch.redis;
}
