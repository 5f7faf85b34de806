package dev.ranch.redis;

/** The version of the Redis protocol a connection speaks. */
public enum RespVersion {
    /** RESP2: every Redis; no maps, doubles or pushes (pub/sub messages are arrays). */
    RESP2,
    /** RESP3 ({@code HELLO 3}, Redis 6 and later): typed replies and out-of-band pushes. */
    RESP3
}
