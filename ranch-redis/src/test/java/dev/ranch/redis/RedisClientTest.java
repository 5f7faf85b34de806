package dev.ranch.redis;

import dev.ranch.core.Ranch;
import dev.ranch.core.test.TestRanch;
import dev.ranch.redis.RedisConnectionException.Reason;
import dev.ranch.redis.RedisValue.ArrayReply;
import dev.ranch.redis.RedisValue.Attributed;
import dev.ranch.redis.RedisValue.BigNumber;
import dev.ranch.redis.RedisValue.BooleanReply;
import dev.ranch.redis.RedisValue.BulkString;
import dev.ranch.redis.RedisValue.DoubleReply;
import dev.ranch.redis.RedisValue.IntegerReply;
import dev.ranch.redis.RedisValue.MapReply;
import dev.ranch.redis.RedisValue.NullReply;
import dev.ranch.redis.RedisValue.PushReply;
import dev.ranch.redis.RedisValue.SetReply;
import dev.ranch.redis.RedisValue.SimpleString;
import dev.ranch.redis.RedisValue.VerbatimString;
import dev.ranch.redis.test.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static dev.ranch.core.test.Patience.PATIENCE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client against a real redis-server that keeps running: replies, types, errors, pipelining, timeouts. */
class RedisClientTest {

    private static RedisServer redis;

    @TestRanch(eventLoops = 1, jmx = false)
    private Ranch ranch;

    @BeforeAll
    static void startRedis() {
        // DEBUG PROTOCOL answers with each RESP3 type on demand, attributes and pushes included.
        redis = RedisServer.start("--enable-debug-command", "yes");
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void emptyDatabase() {
        redis.call("FLUSHALL");
    }

    private RedisClient client() {
        return RedisClient.connect(ranch, redis.options().build());
    }

    static <T> T get(CompletableFuture<T> future) throws Exception {
        return future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The exception {@code future} failed with. */
    static Throwable failure(CompletableFuture<?> future) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> future.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
        return e.getCause();
    }

    @Test
    void valuesGoInAndComeOutAsBytesWhateverTheyHold() throws Exception {
        RedisClient client = client();
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        byte[] large = new byte[3 * 1024 * 1024];
        java.util.Arrays.fill(large, (byte) 'x');
        client.set("binary", binary);
        client.set("empty", new byte[0]);
        client.set("large", large);
        client.set("text", "žluťoučký kůň 🐎");
        assertArrayEquals(binary, get(client.get("binary")));
        assertArrayEquals(new byte[0], get(client.get("empty")));
        assertArrayEquals(large, get(client.get("large")));
        assertEquals("žluťoučký kůň 🐎", new String(get(client.get("text")), StandardCharsets.UTF_8));
        assertNull(get(client.get("missing")));
        assertEquals("žluťoučký kůň 🐎", redis.call("GET", "text"), "the server stored the UTF-8 the JDK writes");
    }

    @Test
    void hundredThousandPipelinedIncrsReturnInOrder() throws Exception {
        RedisClient client = client();
        // Calls made before the connection is up wait in a bounded queue (maxWaitingCommands,
        // 10,000) and the 10,001st fails fast; this test is about the pipeline, so it starts
        // on a connected client.
        assertEquals("PONG", get(client.command("PING")).asText());
        int n = 100_000;
        List<CompletableFuture<Long>> replies = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            replies.add(client.incr("counter"));
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i + 1, get(replies.get(i)), "reply " + i);
        }
        assertEquals(Long.toString(n), redis.call("GET", "counter"));
    }

    @Test
    void anErrorReplyFailsItsCallOnlyAndTheConnectionCarriesOn() throws Exception {
        RedisClient client = client();
        CompletableFuture<RedisValue> before = client.command("SET", "list", "not a list");
        CompletableFuture<RedisValue> wrongType = client.command("LPUSH", "list", "x");
        CompletableFuture<RedisValue> unknown = client.command("NO-SUCH-COMMAND", "arg");
        CompletableFuture<RedisValue> after = client.command("GET", "list");
        assertEquals(SimpleString.OK, get(before));
        RedisErrorException e = assertInstanceOf(RedisErrorException.class, failure(wrongType));
        assertEquals("WRONGTYPE", e.code());
        assertTrue(e.getMessage().startsWith("WRONGTYPE Operation against a key"), e.getMessage());
        RedisErrorException u = assertInstanceOf(RedisErrorException.class, failure(unknown));
        assertEquals("ERR", u.code());
        assertTrue(u.redisMessage().startsWith("unknown command"), u.redisMessage());
        assertEquals("not a list", get(after).asText());
        assertTrue(client.isConnected());
    }

    @Test
    void everyResp3TypeArrivesAsItsRecord() throws Exception {
        RedisClient client = client();
        assertEquals("PONG", get(client.command("PING")).asText());
        assertEquals(RespVersion.RESP3, client.protocol());
        assertEquals(BulkString.of("Hello World"), get(client.command("DEBUG", "PROTOCOL", "string")));
        assertEquals(new IntegerReply(12345), get(client.command("DEBUG", "PROTOCOL", "integer")));
        assertEquals(new DoubleReply(3.141), get(client.command("DEBUG", "PROTOCOL", "double")));
        assertEquals(new BigNumber(new BigInteger("1234567999999999999999999999999999999")),
                get(client.command("DEBUG", "PROTOCOL", "bignum")));
        assertEquals(NullReply.NULL, get(client.command("DEBUG", "PROTOCOL", "null")));
        assertEquals(new ArrayReply(List.of(new IntegerReply(0), new IntegerReply(1), new IntegerReply(2))),
                get(client.command("DEBUG", "PROTOCOL", "array")));
        assertEquals(new SetReply(List.of(new IntegerReply(0), new IntegerReply(1), new IntegerReply(2))),
                get(client.command("DEBUG", "PROTOCOL", "set")));
        RedisValue map = get(client.command("DEBUG", "PROTOCOL", "map"));
        assertInstanceOf(MapReply.class, map);
        assertEquals(Map.of(new IntegerReply(0), BooleanReply.FALSE, new IntegerReply(1), BooleanReply.TRUE,
                new IntegerReply(2), BooleanReply.FALSE), map.asMap());
        assertEquals(BooleanReply.TRUE, get(client.command("DEBUG", "PROTOCOL", "true")));
        assertEquals(BooleanReply.FALSE, get(client.command("DEBUG", "PROTOCOL", "false")));
        RedisValue verbatim = get(client.command("DEBUG", "PROTOCOL", "verbatim"));
        assertEquals(new VerbatimString("txt", "This is a verbatim\nstring".getBytes(StandardCharsets.UTF_8)), verbatim);
        assertEquals("This is a verbatim\nstring", verbatim.asText());
        RedisValue attributed = get(client.command("DEBUG", "PROTOCOL", "attrib"));
        Attributed withAttributes = assertInstanceOf(Attributed.class, attributed);
        assertEquals("Some real reply following the attribute", attributed.asText());
        assertEquals(List.of(BulkString.of("key:123"), new IntegerReply(90)),
                withAttributes.attributes().get(BulkString.of("key-popularity")).asList());
        // Ordinary commands in RESP3: HGETALL is a map, SMEMBERS a set, ZSCORE a double.
        client.hset("h", "f", "v");
        assertEquals(Map.of("f", "v"), get(client.command("HGETALL", "h")).asTextMap());
        assertInstanceOf(MapReply.class, get(client.command("HGETALL", "h")));
        client.command("SADD", "s", "m");
        assertInstanceOf(SetReply.class, get(client.command("SMEMBERS", "s")));
        client.command("ZADD", "z", "2.5", "m");
        assertEquals(new DoubleReply(2.5), get(client.command("ZSCORE", "z", "m")));
    }

    @Test
    void resp2ModeReadsTheSameDataInRespTwoShapes() throws Exception {
        RedisClient client = RedisClient.connect(ranch, redis.options().protocol(RespVersion.RESP2).build());
        client.hset("h", "f", "v");
        RedisValue all = get(client.command("HGETALL", "h"));
        assertInstanceOf(ArrayReply.class, all, "RESP2 answers HGETALL with a flat array");
        assertEquals(Map.of("f", "v"), all.asTextMap(), "asMap pairs it up all the same");
        client.command("ZADD", "z", "2.5", "m");
        RedisValue score = get(client.command("ZSCORE", "z", "m"));
        assertInstanceOf(BulkString.class, score);
        assertEquals(2.5, score.asDouble());
        assertEquals(NullReply.NULL, get(client.command("GET", "missing")));
        assertEquals(RespVersion.RESP2, client.protocol());
    }

    @Test
    void pushFramesBetweenRepliesDoNotShiftThem() throws Exception {
        List<PushReply> pushes = new CopyOnWriteArrayList<>();
        RedisClient client = RedisClient.connect(ranch, redis.options().pushListener(pushes::add).build());
        // DEBUG PROTOCOL push writes a push frame and then its reply.
        CompletableFuture<RedisValue> a = client.command("ECHO", "a");
        CompletableFuture<RedisValue> pushed = client.command("DEBUG", "PROTOCOL", "push");
        CompletableFuture<RedisValue> b = client.command("ECHO", "b");
        assertEquals("a", get(a).asText());
        assertEquals("Some real reply following the push reply", get(pushed).asText());
        assertEquals("b", get(b).asText());
        assertEquals("server-cpu-usage", pushes.get(0).kind());

        // Client-side caching: a key read under tracking is invalidated by a push when another client writes it.
        get(client.command("CLIENT", "TRACKING", "on"));
        client.set("cached", "1");
        assertEquals("1", get(client.command("GET", "cached")).asText());
        redis.call("SET", "cached", "2");
        List<CompletableFuture<RedisValue>> echoes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            echoes.add(client.command("ECHO", Integer.toString(i)));
            if (i == 500) {
                redis.call("SET", "cached", "3");
            }
        }
        for (int i = 0; i < echoes.size(); i++) {
            assertEquals(Integer.toString(i), get(echoes.get(i)).asText());
        }
        await().atMost(PATIENCE).until(() -> pushes.stream().anyMatch(p -> p.kind().equals("invalidate")));
    }

    @Test
    void aTimedOutCallKeepsTheRepliesInOrderAndItsLateReplyIsDropped() throws Exception {
        RedisClient client = RedisClient.connect(ranch, redis.options().commandTimeout(Duration.ofMillis(300)).build());
        assertEquals("PONG", get(client.command("PING")).asText());
        // BLPOP blocks this connection only, for a second: it and the PING behind it time out.
        CompletableFuture<RedisValue> blocked = client.command("BLPOP", "nothing", "1");
        CompletableFuture<RedisValue> behind = client.command("PING");
        RedisConnectionException timedOut = assertInstanceOf(RedisConnectionException.class, failure(blocked));
        assertEquals(Reason.TIMED_OUT, timedOut.reason());
        assertEquals(Reason.TIMED_OUT, assertInstanceOf(RedisConnectionException.class, failure(behind)).reason());
        // Once BLPOP's null and the PONG have come and gone, each later call gets its own reply.
        await().atMost(PATIENCE).pollDelay(Duration.ofMillis(700)).untilAsserted(
                () -> assertEquals("fresh", get(client.command("ECHO", "fresh")).asText()));
        for (int i = 0; i < 100; i++) {
            assertEquals(Integer.toString(i), get(client.command("ECHO", Integer.toString(i))).asText());
        }
        assertTrue(client.isConnected(), "a timeout does not drop the connection");
    }

    @Test
    void callsWhileDisconnectedWaitUpToTheBoundThenFailFast() throws Exception {
        RedisClient client = RedisClient.connect(ranch, RedisOptions.builder().host(redis.host())
                .port(dev.ranch.core.test.Loopback.freePort()).maxWaitingCommands(2)
                .commandTimeout(Duration.ZERO).build());
        CompletableFuture<RedisValue> first = client.command("PING");
        CompletableFuture<RedisValue> second = client.command("PING");
        RedisConnectionException full = assertInstanceOf(RedisConnectionException.class,
                failure(client.command("PING")));
        assertEquals(Reason.QUEUE_FULL, full.reason());
        client.close();
        assertEquals(Reason.CLOSED, assertInstanceOf(RedisConnectionException.class, failure(first)).reason());
        assertEquals(Reason.CLOSED, assertInstanceOf(RedisConnectionException.class, failure(second)).reason());
        assertEquals(Reason.CLOSED, assertInstanceOf(RedisConnectionException.class,
                failure(client.command("PING"))).reason());
    }

    @Test
    void aClientThatGaveUpSaysSo() throws Exception {
        RedisClient client = RedisClient.connect(ranch, RedisOptions.builder().host(redis.host())
                .port(dev.ranch.core.test.Loopback.freePort())
                .reconnectPolicy(dev.ranch.core.client.ReconnectPolicy.exponential().initialDelay(Duration.ofMillis(10))
                        .maxDelay(Duration.ofMillis(10)).maxAttempts(3).build()).build());
        CompletableFuture<RedisValue> waiting = client.command("PING");
        assertEquals(Reason.GAVE_UP, assertInstanceOf(RedisConnectionException.class, failure(waiting)).reason());
        assertEquals(Reason.GAVE_UP, assertInstanceOf(RedisConnectionException.class,
                failure(client.command("PING"))).reason());
    }

    @Test
    void subscribeAndMonitorAreRefusedOnACommandClient() {
        RedisClient client = client();
        assertThrows(IllegalArgumentException.class, () -> client.command("subscribe", "x"));
        assertThrows(IllegalArgumentException.class, () -> client.command("PSUBSCRIBE", "x*"));
        assertThrows(IllegalArgumentException.class, () -> client.command("MONITOR"));
        assertThrows(IllegalArgumentException.class,
                () -> client.command("SUBSCRIBE".getBytes(StandardCharsets.UTF_8), new byte[] {'x'}));
        assertThrows(IllegalArgumentException.class, () -> client.command(new String[0]));
    }

    @Test
    void typedConveniencesAnswerWithJavaValues() throws Exception {
        RedisClient client = client();
        assertEquals(1L, get(client.incr("n")));
        assertEquals(1L, get(client.hset("h", "f", "v")));
        assertEquals(true, get(client.expire("n", Duration.ofMinutes(1))));
        assertEquals(false, get(client.expire("missing", Duration.ofMinutes(1))));
        assertEquals(2L, get(client.del("n", "h", "missing")));
        assertEquals(0L, get(client.publish("nobody-listens", new byte[] {1})));
    }
}
