package dev.ranch.bench;

import dev.ranch.bench.redis.RedisProcess;
import dev.ranch.core.Ranch;
import dev.ranch.redis.RedisClient;
import dev.ranch.redis.RedisOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.resolver.DefaultAddressResolverGroup;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * ranch-redis against Lettuce 7.7 (Netty), pipelined {@code SET} and {@code GET} on one
 * connection each to one {@code redis-server} that the benchmark starts on a free loopback
 * port. One invocation issues {@value #DEPTH} commands at once (keys {@code key:0} to
 * {@code key:99}, values of {@code size} bytes) and waits for every reply; the score is
 * commands per second. Both clients take String keys (UTF-8) and byte[] values, speak RESP3
 * (their default), have no command timeout armed by the benchmark, and complete their futures
 * on their connection's I/O thread.
 *
 * <p>{@code client}: {@code ranch} ({@link RedisClient} on a {@link Ranch} of one loop; it
 * gathers the calls made together into one write by itself), {@code lettuce} (the async API
 * as usually written: auto-flush, every command flushed as it is made) and
 * {@code lettuce-flush} (auto-flush off, {@code flushCommands()} once per batch: Lettuce's own
 * advice for bulk pipelining, one write per batch like ranch's).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisBenchmark {

    /** Commands in flight at once, in one batch. */
    static final int DEPTH = 100;

    /** Client: {@code ranch}, {@code lettuce} (auto-flush) or {@code lettuce-flush} (one flush per batch). */
    @Param({"ranch", "lettuce", "lettuce-flush"})
    public String client;

    /** Value size in bytes. */
    @Param({"64", "1024"})
    public int size;

    private final String[] keys = new String[DEPTH];
    private byte[] value;
    private RedisProcess redis;
    private Side side;

    /** Starts Redis, connects the client, and stores every key (so that GET finds values of {@code size}). */
    @Setup(Level.Trial)
    public void start() throws IOException {
        for (int i = 0; i < DEPTH; i++) {
            keys[i] = "key:" + i;
        }
        value = new byte[size];
        Arrays.fill(value, (byte) 'v');
        redis = RedisProcess.start();
        try {
            side = switch (client) {
                case "ranch" -> new RanchSide(redis);
                case "lettuce" -> new LettuceSide(redis, true);
                case "lettuce-flush" -> new LettuceSide(redis, false);
                default -> throw new IllegalArgumentException("client: ranch, lettuce or lettuce-flush, not " + client);
            };
            set(null);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    /** Closes the client, then Redis. */
    @TearDown(Level.Trial)
    public void stop() throws IOException {
        Teardown.closeInOrder(side, redis);
    }

    /** {@value #DEPTH} pipelined {@code SET key:i value}, until every reply is in. */
    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public void set(Blackhole hole) {
        side.set(keys, value, hole);
    }

    /** {@value #DEPTH} pipelined {@code GET key:i}, until every value is in. */
    @Benchmark
    @OperationsPerInvocation(DEPTH)
    public void get(Blackhole hole) {
        side.get(keys, size, hole);
    }

    /** One client under test. Benchmark thread. */
    private interface Side extends AutoCloseable {
        /** Sets every key to {@code value}, waits for all replies; {@code hole} may be null. */
        void set(String[] keys, byte[] value, Blackhole hole);

        /** Gets every key, waits for all values and checks their size. */
        void get(String[] keys, int size, Blackhole hole);

        @Override
        void close();
    }

    private static byte[] checked(byte[] got, int size) {
        if (got == null || got.length != size) {
            throw new IllegalStateException("GET returned " + (got == null ? "null" : got.length + " bytes")
                    + ", expected " + size);
        }
        return got;
    }

    /** ranch-redis: one {@link RedisClient} on a Ranch of one loop. */
    private static final class RanchSide implements Side {
        private final Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build();
        private final RedisClient client;
        @SuppressWarnings("unchecked")
        private final CompletableFuture<?>[] pending = new CompletableFuture<?>[DEPTH];
        @SuppressWarnings("unchecked")
        private final CompletableFuture<byte[]>[] values = new CompletableFuture[DEPTH];

        RanchSide(RedisProcess redis) {
            RedisOptions options = RedisOptions.builder().host(redis.host()).port(redis.port()).build();
            client = RedisClient.connect(ranch, options);
            client.command("PING").join();
        }

        @Override
        public void set(String[] keys, byte[] value, Blackhole hole) {
            for (int i = 0; i < keys.length; i++) {
                pending[i] = client.set(keys[i], value);
            }
            for (CompletableFuture<?> reply : pending) {
                reply.join();
            }
        }

        @Override
        public void get(String[] keys, int size, Blackhole hole) {
            for (int i = 0; i < keys.length; i++) {
                values[i] = client.get(keys[i]);
            }
            for (CompletableFuture<byte[]> reply : values) {
                hole.consume(checked(reply.join(), size));
            }
        }

        @Override
        public void close() {
            client.close();
            ranch.close();
        }
    }

    /** Lettuce's async API over one connection, auto-flushed or flushed once per batch. */
    private static final class LettuceSide implements Side {
        // The JDK's resolver, as ranch's client uses: Lettuce's default (Netty's DNS resolver)
        // keeps UDP sockets that outlive the client. The address is a literal either way.
        private final ClientResources resources = DefaultClientResources.builder()
                .addressResolverGroup(DefaultAddressResolverGroup.INSTANCE)
                .build();
        private final io.lettuce.core.RedisClient lettuce;
        private final StatefulRedisConnection<String, byte[]> connection;
        private final RedisAsyncCommands<String, byte[]> commands;
        private final boolean autoFlush;
        @SuppressWarnings("unchecked")
        private final CompletionStage<?>[] pending = new CompletionStage<?>[DEPTH];
        @SuppressWarnings("unchecked")
        private final CompletionStage<byte[]>[] values = new CompletionStage[DEPTH];

        LettuceSide(RedisProcess redis, boolean autoFlush) {
            this.autoFlush = autoFlush;
            lettuce = io.lettuce.core.RedisClient.create(resources, RedisURI.create(redis.host(), redis.port()));
            connection = lettuce.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE));
            connection.setAutoFlushCommands(autoFlush);
            commands = connection.async();
        }

        @Override
        public void set(String[] keys, byte[] value, Blackhole hole) {
            for (int i = 0; i < keys.length; i++) {
                pending[i] = commands.set(keys[i], value);
            }
            if (!autoFlush) {
                connection.flushCommands();
            }
            for (CompletionStage<?> reply : pending) {
                reply.toCompletableFuture().join();
            }
        }

        @Override
        public void get(String[] keys, int size, Blackhole hole) {
            for (int i = 0; i < keys.length; i++) {
                values[i] = commands.get(keys[i]);
            }
            if (!autoFlush) {
                connection.flushCommands();
            }
            for (CompletionStage<byte[]> reply : values) {
                hole.consume(checked(reply.toCompletableFuture().join(), size));
            }
        }

        @Override
        public void close() {
            connection.close();
            lettuce.shutdown();
            // Asynchronous: wait, so that the next trial (or a leak check) starts from a clean JVM.
            resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5_000);
        }
    }
}
