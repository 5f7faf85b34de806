package dev.ranch.redis;

import dev.ranch.core.Connection;
import dev.ranch.core.Protocol;
import dev.ranch.core.Ranch;
import dev.ranch.core.client.ReconnectPolicy;
import dev.ranch.core.listener.Listener;
import dev.ranch.core.test.Loopback;
import dev.ranch.core.test.TestRanch;
import dev.ranch.core.transport.Transports;
import dev.ranch.redis.RedisConnectionException.Reason;
import dev.ranch.redis.internal.resp.RespProtocolException;
import dev.ranch.redis.test.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ranch.core.test.Patience.PATIENCE;
import static dev.ranch.redis.RedisClientTest.failure;
import static dev.ranch.redis.RedisClientTest.get;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The connection's life against a real redis-server: kills and restarts under a pipeline,
 * the set-up replayed on reconnect, refused passwords, RESP2 fallback, TLS, a lying server.
 */
class RedisConnectionTest {

    private static final ReconnectPolicy QUICK = ReconnectPolicy.exponential()
            .initialDelay(Duration.ofMillis(20)).maxDelay(Duration.ofMillis(200)).build();

    @TestRanch(eventLoops = 1, jmx = false)
    private Ranch ranch;
    @TestRanch(eventLoops = 1, jmx = false)
    private Ranch fakeServers;

    private RedisServer redis;

    @AfterEach
    void stopRedis() {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aServerKilledMidPipelineFailsTheCallsInFlightAndLaterCallsSucceedAfterTheRestart() throws Exception {
        redis = RedisServer.start();
        // No waiting while disconnected: every call of the pipeline ends without the restart.
        RedisClient client = RedisClient.connect(ranch, redis.options().reconnectPolicy(QUICK)
                .commandTimeout(Duration.ofSeconds(30)).maxWaitingCommands(0).build());
        await().atMost(PATIENCE).until(client::isConnected);
        List<CompletableFuture<Long>> pipeline = new ArrayList<>();
        CompletableFuture<RedisValue> blocked = null;
        for (int i = 0; i < 50_000; i++) {
            pipeline.add(client.incr("counter"));
            if (i == 5_000) {
                // Redis answers nothing after this until it times out in 20 s: what follows stays in flight.
                blocked = client.command("BLPOP", "nothing", "20");
            } else if (i == 10_000) {
                CompletableFuture<Long> lastBeforeBlocking = pipeline.get(5_000);
                await().atMost(PATIENCE).until(lastBeforeBlocking::isDone);
                redis.kill();
            }
        }
        assertEquals(Reason.CONNECTION_LOST,
                assertInstanceOf(RedisConnectionException.class, failure(blocked)).reason());
        // Every call ends (none hangs): the answered ones are a prefix, in order, each its own
        // answer; the rest failed saying the connection was lost (sent) or not there (made after).
        int answered = 0;
        int lost = 0;
        int refused = 0;
        for (CompletableFuture<Long> call : pipeline) {
            try {
                long value = call.get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
                assertEquals(0, lost + refused, "an answer after a failure");
                assertEquals(++answered, value, "answers stay in order, each its own");
            } catch (java.util.concurrent.ExecutionException e) {
                RedisConnectionException failed = assertInstanceOf(RedisConnectionException.class, e.getCause());
                if (failed.reason() == Reason.CONNECTION_LOST) {
                    assertEquals(0, refused, "a call sent after one refused for want of a connection");
                    lost++;
                } else {
                    assertEquals(Reason.QUEUE_FULL, failed.reason(), failed.toString());
                    refused++;
                }
            }
        }
        assertTrue(answered > 0 && lost > 0, answered + " answered, " + lost + " lost, " + refused + " refused");
        redis.startAgain();
        await().atMost(PATIENCE).until(client::isConnected);
        assertEquals(1L, get(client.incr("after")));
        assertEquals(2L, get(client.incr("after")));
        assertTrue(client.isConnected());
    }

    @Test
    void callsMadeWhileRedisIsDownWaitAndGoOutAfterTheRestart() throws Exception {
        redis = RedisServer.start();
        RedisClient client = RedisClient.connect(ranch, redis.options().reconnectPolicy(QUICK).build());
        assertEquals("PONG", get(client.command("PING")).asText());
        redis.stop();
        await().atMost(PATIENCE).until(() -> !client.isConnected());
        CompletableFuture<RedisValue> waiting = client.command("ECHO", "waited");
        redis.startAgain();
        assertEquals("waited", get(waiting).asText());
    }

    @Test
    void passwordDatabaseAndNameAreReplayedOnEveryReconnect() throws Exception {
        redis = RedisServer.start("--requirepass", "s3cret");
        RedisClient client = RedisClient.connect(ranch, redis.options().database(3).clientName("ranch-test")
                .reconnectPolicy(QUICK).build());
        client.set("where", "db3");
        assertEquals("ranch-test", get(client.command("CLIENT", "GETNAME")).asText());
        for (int round = 0; round < 3; round++) {
            // Redis drops the connection; the next one must authenticate, select and name itself again.
            long id = get(client.command("CLIENT", "ID")).asLong();
            assertEquals(1L, redis.call("CLIENT", "KILL", "ID", Long.toString(id)));
            // Once the next connection is there, the client has seen the drop: calls wait for its set-up.
            await().atMost(PATIENCE).until(() -> {
                String clients = (String) redis.call("CLIENT", "LIST", "TYPE", "normal");
                return clients.contains("name=ranch-test") && !clients.contains("id=" + id + " ");
            });
            assertEquals("db3", get(client.command("GET", "where")).asText());
            assertEquals("ranch-test", get(client.command("CLIENT", "GETNAME")).asText());
        }
        assertEquals(null, redis.call("GET", "where"), "the key is in database 3, not 0");
    }

    @Test
    void aWrongPasswordStopsTheClientWithRedisRefusalInsteadOfRetryingForEver() throws Exception {
        redis = RedisServer.start("--requirepass", "s3cret");
        long connectionsBefore = connectionsReceived();
        RedisClient client = RedisClient.connect(ranch, redis.options().password("wrong").reconnectPolicy(QUICK).build());
        CompletableFuture<RedisValue> call = client.command("PING");
        RedisConnectionException refused = assertInstanceOf(RedisConnectionException.class, failure(call));
        assertEquals(Reason.SETUP_REFUSED, refused.reason());
        RedisErrorException redisSaid = assertInstanceOf(RedisErrorException.class, refused.getCause());
        assertEquals("WRONGPASS", redisSaid.code());
        assertTrue(refused.getMessage().contains("refused HELLO: WRONGPASS"), refused.getMessage());
        // Later calls fail the same way at once, and no more connections are tried.
        assertEquals(Reason.SETUP_REFUSED,
                assertInstanceOf(RedisConnectionException.class, failure(client.command("PING"))).reason());
        // Each look at the count is a connection of its own, which the count then includes.
        AtomicInteger looks = new AtomicInteger();
        dev.ranch.core.test.Patience.assertStays("no reconnect after a refused password",
                () -> connectionsReceived() - looks.incrementAndGet() - connectionsBefore <= 1);
        assertFalse(client.isConnected());
    }

    @Test
    void noPasswordForAProtectedServerIsRefusedToo() throws Exception {
        redis = RedisServer.start("--requirepass", "s3cret");
        RedisClient client = RedisClient.connect(ranch, redis.options().password(null).build());
        RedisConnectionException refused = assertInstanceOf(RedisConnectionException.class,
                failure(client.command("PING")));
        assertEquals(Reason.SETUP_REFUSED, refused.reason());
        assertEquals("NOAUTH", ((RedisErrorException) refused.getCause()).code());
    }

    @Test
    void aDatabaseOutOfRangeIsRefused() throws Exception {
        redis = RedisServer.start("--databases", "4");
        RedisClient client = RedisClient.connect(ranch, redis.options().database(9).build());
        RedisConnectionException refused = assertInstanceOf(RedisConnectionException.class,
                failure(client.command("PING")));
        assertEquals(Reason.SETUP_REFUSED, refused.reason());
        assertTrue(refused.getMessage().contains("SELECT"), refused.getMessage());
    }

    @Test
    void aServerThatDoesNotKnowHelloIsSpokenToInResp2WithAuthSelectAndSetname() throws Exception {
        // What Redis 5 says to HELLO: unknown command.
        redis = RedisServer.start("--rename-command", "HELLO", "", "--requirepass", "s3cret");
        RedisClient client = RedisClient.connect(ranch, redis.options().database(1).clientName("old-style").build());
        client.set("k", "v");
        assertEquals("v", get(client.command("GET", "k")).asText());
        assertEquals(RespVersion.RESP2, client.protocol());
        assertEquals("old-style", get(client.command("CLIENT", "GETNAME")).asText());
    }

    @Test
    void tlsCarriesCommandsAndSubscriptions() throws Exception {
        redis = RedisServer.startTls();
        RedisClient client = RedisClient.connect(ranch, redis.options().build());
        RedisSubscriberTest.Recorder recorder = new RedisSubscriberTest.Recorder();
        RedisSubscriber subscriber = RedisSubscriber.connect(ranch, redis.options().build(), recorder);
        client.set("secure", "yes");
        assertEquals("yes", get(client.command("GET", "secure")).asText());
        get(subscriber.subscribe("tls"));
        get(client.publish("tls", "over TLS".getBytes(StandardCharsets.UTF_8)));
        await().atMost(PATIENCE).until(() -> recorder.saw("message tls over TLS"));
        assertEquals(RespVersion.RESP3, client.protocol());
    }

    @Test
    void aServerSpeakingGarbageFailsTheCallClearlyAndTheClientReconnects() throws Exception {
        // A "Redis" that answers its first connection's commands with a bulk string of 2 GiB.
        int[] connections = {0};
        Listener liar = fakeServers.startListener("liar", Transports.tcp(), Loopback.options().build(), c -> new Protocol() {
            private final int number = ++connections[0];

            @Override
            public void onData(Connection connection, ByteBuffer data) {
                data.position(data.limit());
                connection.write(ByteBuffer.wrap((number == 1 ? "$2147483000\r\n" : "+OK\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
            }
        });
        RedisClient client = RedisClient.connect(ranch, RedisOptions.builder().host("127.0.0.1")
                .port(liar.port()).protocol(RespVersion.RESP2).reconnectPolicy(QUICK).build());
        RedisConnectionException lost = assertInstanceOf(RedisConnectionException.class,
                failure(client.command("PING")));
        assertEquals(Reason.CONNECTION_LOST, lost.reason());
        assertInstanceOf(RespProtocolException.class, lost.getCause());
        assertTrue(lost.getMessage().contains("maxBulkLength"), lost.getMessage());
        // The next connection speaks properly and the client carries on.
        await().atMost(PATIENCE).untilAsserted(() -> assertEquals("OK", get(client.command("PING")).asText()));
    }

    private long connectionsReceived() {
        String stats = (String) redis.call("INFO", "stats");
        for (String line : stats.split("\r\n")) {
            if (line.startsWith("total_connections_received:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1));
            }
        }
        throw new AssertionError("no total_connections_received in " + stats);
    }
}
