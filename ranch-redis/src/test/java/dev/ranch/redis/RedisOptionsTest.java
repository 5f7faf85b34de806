package dev.ranch.redis;

import dev.ranch.core.client.ReconnectPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Options from URIs and the builder: what each form means, and what is refused. */
class RedisOptionsTest {

    @Test
    void aUriGivesHostPortUserPasswordAndDatabase() {
        RedisOptions plain = RedisOptions.fromUri("redis://cache.example:6380/2");
        assertEquals("cache.example", plain.host());
        assertEquals(6380, plain.port());
        assertEquals(2, plain.database());
        assertNull(plain.username());
        assertNull(plain.password());
        assertNull(plain.tls());

        RedisOptions withUser = RedisOptions.fromUri("redis://alice:p%40ss+word@10.0.0.1");
        assertEquals("alice", withUser.username());
        assertEquals("p@ss+word", withUser.password(), "percent-decoded, a plus stays a plus");
        assertEquals(6379, withUser.port());
        assertEquals(0, withUser.database());

        RedisOptions passwordOnly = RedisOptions.fromUri("redis://:secret@localhost");
        assertNull(passwordOnly.username());
        assertEquals("secret", passwordOnly.password());
        assertEquals("secret", RedisOptions.fromUri("redis://secret@localhost").password());

        assertEquals("::1", RedisOptions.fromUri("redis://[::1]:7000").host());
    }

    @Test
    void aRedissUriTurnsOnTlsForItsHost() {
        RedisOptions tls = RedisOptions.fromUri("rediss://redis.example:6390");
        assertNotNull(tls.tls());
        assertTrue(tls.tls().isClient());
        assertTrue(tls.toString().startsWith("rediss://"));
    }

    @Test
    void malformedUrisAreRefusedWithTheReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RedisOptions.fromUri("http://host"))
                .getMessage().contains("redis://"));
        assertThrows(IllegalArgumentException.class, () -> RedisOptions.fromUri("redis:///0"));
        assertThrows(IllegalArgumentException.class, () -> RedisOptions.fromUri("redis://host/zero"));
        assertThrows(IllegalArgumentException.class, () -> RedisOptions.fromUri("redis://host:99999"));
        assertThrows(IllegalArgumentException.class, () -> RedisOptions.fromUri("redis://ho st"));
    }

    @Test
    void theDefaultsAreTheDocumentedOnes() {
        RedisOptions d = RedisOptions.builder().build();
        assertEquals("localhost", d.host());
        assertEquals(6379, d.port());
        assertEquals(RespVersion.RESP3, d.protocol());
        assertEquals(Duration.ofSeconds(5), d.commandTimeout());
        assertEquals(10_000, d.maxWaitingCommands());
        assertEquals(512 * 1024 * 1024, d.maxBulkLength());
        assertEquals(16 * 1024 * 1024, d.maxAggregateLength());
        assertEquals(64, d.maxNesting());
        assertEquals(Duration.ofMillis(50), d.reconnectPolicy().initialDelay());
        assertEquals(Duration.ofSeconds(5), d.reconnectPolicy().maxDelay());
        assertEquals(0, d.reconnectPolicy().maxAttempts());
    }

    @Test
    void theBuilderRefusesNonsenseAtOnceAndToBuilderKeepsEverything() {
        RedisOptions.Builder b = RedisOptions.builder();
        assertThrows(IllegalArgumentException.class, () -> b.port(0));
        assertThrows(IllegalArgumentException.class, () -> b.database(-1));
        assertThrows(IllegalArgumentException.class, () -> b.clientName("has space"));
        assertThrows(IllegalArgumentException.class, () -> b.commandTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> b.maxWaitingCommands(-1));
        assertThrows(IllegalArgumentException.class, () -> b.maxBulkLength(10));
        ReconnectPolicy never = ReconnectPolicy.never();
        RedisOptions o = b.host("h").port(1).username("u").password("p").database(3).clientName("n")
                .protocol(RespVersion.RESP2).reconnectPolicy(never).commandTimeout(Duration.ZERO)
                .maxWaitingCommands(7).maxBulkLength(2048).maxAggregateLength(32).maxNesting(4)
                .pushListener(push -> { }).build();
        RedisOptions copy = o.toBuilder().build();
        assertEquals(o.toString(), copy.toString());
        assertEquals("u", copy.username());
        assertEquals("p", copy.password());
        assertEquals("n", copy.clientName());
        assertEquals(RespVersion.RESP2, copy.protocol());
        assertSame(never, copy.reconnectPolicy());
        assertEquals(7, copy.maxWaitingCommands());
        assertEquals(2048, copy.maxBulkLength());
        assertEquals(32, copy.maxAggregateLength());
        assertEquals(4, copy.maxNesting());
        assertSame(o.pushListener(), copy.pushListener());
    }
}
