package dev.ranch.redis.test;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisServerTest {

    @Test
    void serverAnswersSurvivesAKillAndRestartsEmptyOnTheSamePort() {
        try (RedisServer redis = RedisServer.start()) {
            assertEquals("OK", redis.call("SET", "k", "v"));
            assertEquals("v", redis.call("GET", "k"));
            assertEquals("", redis.call("CONFIG", "GET", "save").toString().replaceAll("\\[save, (.*)]", "$1"));
            int port = redis.port();
            redis.kill();
            assertFalse(redis.isRunning());
            assertThrows(IOException.class, () -> new Socket().connect(new InetSocketAddress(redis.host(), port), 1000));
            redis.startAgain();
            assertEquals(port, redis.port());
            assertEquals(null, redis.call("GET", "k"), "nothing persisted across the kill");
            redis.restart();
            assertTrue(redis.isRunning());
            assertEquals("PONG", redis.call("PING"));
        }
    }

    @Test
    void extraArgumentsReachTheServerAndCallAuthenticates() {
        try (RedisServer redis = RedisServer.start("--requirepass", "s3cret")) {
            assertEquals("PONG", redis.call("PING"));
            assertEquals("s3cret", redis.options().build().password());
        }
    }
}
