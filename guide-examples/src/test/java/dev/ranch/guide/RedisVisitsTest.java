package dev.ranch.guide;

import dev.ranch.core.Ranch;
import dev.ranch.redis.test.RedisServer;
import org.junit.jupiter.api.Test;

import static dev.ranch.core.test.Patience.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The guide's Redis example against a real redis-server (skipped with the reason when none can be had). */
class RedisVisitsTest {

    @Test
    void visitsAreCountedInRedis() throws Exception {
        try (RedisServer server = RedisServer.start(); Ranch ranch = Ranch.builder().eventLoops(1).build()) {
            RedisVisits visits = new RedisVisits(ranch, server.uri());
            assertEquals(1L, waitFor(visits.visit("home")));
            assertEquals(2L, waitFor(visits.visit("home")));
            assertEquals(1L, waitFor(visits.visit("about")));
            assertEquals("2", String.valueOf(server.call("GET", "visits:home")));
            visits.close();
        }
    }
}
