package dev.ranch.redis;

import dev.ranch.redis.RedisValue.ArrayReply;
import dev.ranch.redis.RedisValue.BigNumber;
import dev.ranch.redis.RedisValue.BooleanReply;
import dev.ranch.redis.RedisValue.BulkString;
import dev.ranch.redis.RedisValue.DoubleReply;
import dev.ranch.redis.RedisValue.ErrorReply;
import dev.ranch.redis.RedisValue.IntegerReply;
import dev.ranch.redis.RedisValue.MapReply;
import dev.ranch.redis.RedisValue.NullReply;
import dev.ranch.redis.RedisValue.SimpleString;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The accessors: both protocols' shapes read alike, a wrong type says what it found. */
class RedisValueTest {

    @Test
    void numbersReadFromEveryShapeThatHoldsOne() {
        assertEquals(42, new IntegerReply(42).asLong());
        assertEquals(42, BulkString.of("42").asLong());
        assertEquals(42, new SimpleString("42").asLong());
        assertEquals(42, new DoubleReply(42.0).asLong());
        assertEquals(42, new BigNumber(BigInteger.valueOf(42)).asLong());
        assertEquals(2.5, BulkString.of("2.5").asDouble());
        assertEquals(Double.POSITIVE_INFINITY, BulkString.of("inf").asDouble());
        assertEquals(7.0, new IntegerReply(7).asDouble());
        assertTrue(new IntegerReply(1).asBoolean());
        assertFalse(new IntegerReply(0).asBoolean());
        assertTrue(BooleanReply.TRUE.asBoolean());
    }

    @Test
    void aWrongTypeNamesWhatItFound() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BulkString.of("abc").asLong());
        assertTrue(e.getMessage().contains("bulk string") && e.getMessage().contains("\"abc\""), e.getMessage());
        assertTrue(assertThrows(IllegalStateException.class, () -> new IntegerReply(5).asList())
                .getMessage().contains("integer"));
        assertThrows(IllegalStateException.class, () -> new IntegerReply(2).asBoolean());
        assertThrows(IllegalStateException.class, () -> new DoubleReply(1.5).asLong());
        assertThrows(IllegalStateException.class, () -> new BigNumber(new BigInteger("99999999999999999999")).asLong());
        assertThrows(IllegalStateException.class, () -> new ArrayReply(List.of(new IntegerReply(1))).asMap(),
                "an odd array is no map");
        assertThrows(IllegalStateException.class, () -> new MapReply(Map.of()).asBytes());
    }

    @Test
    void anErrorInsideAnAggregateThrowsItsRedisErrorFromEveryAccessor() {
        ErrorReply error = new ErrorReply("WRONGTYPE", "Operation against a key holding the wrong kind of value");
        RedisErrorException e = assertThrows(RedisErrorException.class, error::asLong);
        assertEquals("WRONGTYPE", e.code());
        assertThrows(RedisErrorException.class, error::asText);
        assertThrows(RedisErrorException.class, error::asList);
    }

    @Test
    void nullsReadAsEmptyOrNull() {
        assertTrue(NullReply.NULL.isNull());
        assertNull(NullReply.NULL.asBytes());
        assertNull(NullReply.NULL.asText());
        assertEquals(List.of(), NullReply.NULL.asList());
        assertEquals(Map.of(), NullReply.NULL.asMap());
    }

    @Test
    void aRespTwoPairArrayAndARespThreeMapReadAlike() {
        ArrayReply resp2 = new ArrayReply(List.of(BulkString.of("a"), BulkString.of("1"), BulkString.of("b"), BulkString.of("2")));
        MapReply resp3 = new MapReply(Map.of(BulkString.of("a"), BulkString.of("1"), BulkString.of("b"), BulkString.of("2")));
        assertEquals(Map.of("a", "1", "b", "2"), resp2.asTextMap());
        assertEquals(resp2.asTextMap(), resp3.asTextMap());
        assertEquals(BulkString.of("1"), resp2.asMap().get(BulkString.of("a")), "keys compare by content");
    }
}
