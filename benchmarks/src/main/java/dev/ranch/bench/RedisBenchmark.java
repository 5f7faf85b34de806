package dev.ranch.bench;

import dev.ranch.bench.redis.RedisProcess;
import dev.ranch.core.Ranch;
import dev.ranch.redis.RedisClient;
import dev.ranch.redis.RedisOptions;
import dev.ranch.redis.RedisValue;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.netty.resolver.DefaultAddressResolverGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

/**
 * Pipelined Redis commands per second: ranch-redis against Lettuce 7.7 (the established
 * Netty-based client), each on one connection to the same fresh {@code redis-server}, in the
 * same run. One invocation sends {@value #BATCH} {@code SET}s or {@code GET}s of {@code size}
 * bytes over {@value #KEYS} keys, {@code depth} at a time: a group of {@code depth} commands
 * without waiting, then the wait for its last reply (replies come in order, so all are in),
 * then the next group. Lettuce runs twice: {@code lettuce} the way its documentation
 * pipelines (auto-flush off, one {@code flushCommands()} per batch) and
 * {@code lettuce-autoflush} as it comes (a flush per command); ranch-redis batches by itself
 * (calls made together share one write). Each client gets one I/O thread (ranch one event loop,
 * Lettuce {@code ioThreadPoolSize} and {@code computationThreadPoolSize} 1). The server is one
 * single-threaded process on the same cores, so the clients compete with it for CPU: the ratio
 * within a run is the figure to read.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisBenchmark {

    /** Commands per invocation. */
    static final int BATCH = 1000;
    static final int KEYS = 1000;

    /**
     * The client: {@code ranch} (ranch-redis), {@code lettuce} (manual flush per batch) or
     * {@code lettuce-autoflush}; named "server" like every pair's side.
     */
    @Param({"ranch", "lettuce", "lettuce-autoflush"})
    public String server;

    /** {@code SET} or {@code GET}. */
    @Param({"SET", "GET"})
    public String command;

    /** Value size in bytes; the README's run adds 1 KiB ({@code -p size=64,1024}). */
    @Param({"64"})
    public int size;

    /** Commands in flight at once (a divisor of {@value #BATCH}). */
    @Param({"100"})
    public int depth;

    private RedisProcess redis;
    private byte[][] keys;
    private byte[] value;
    private Side side;

    /** One client under test. */
    interface Side extends AutoCloseable {
        /** Sends the batch and waits for its last reply. */
        void batch(String command) throws Exception;
    }

    /** Starts redis-server, fills the keys, connects the client. */
    @Setup(Level.Trial)
    public void start() throws Exception {
        redis = RedisProcess.start();
        keys = new byte[KEYS][];
        for (int i = 0; i < KEYS; i++) {
            keys[i] = ("key:" + i).getBytes(StandardCharsets.UTF_8);
        }
        value = new byte[size];
        Arrays.fill(value, (byte) 'v');
        if (BATCH % depth != 0) {
            throw new IllegalArgumentException("depth " + depth + " does not divide " + BATCH);
        }
        side = server.startsWith("lettuce") ? new LettuceSide(server.equals("lettuce")) : new RanchSide();
        side.batch("SET");
    }

    /** Closes the client, then the server. */
    @TearDown(Level.Trial)
    public void stop() throws IOException {
        Teardown.closeInOrder(side, redis);
    }

    /** {@value #BATCH} pipelined commands. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void pipelined() throws Exception {
        side.batch(command);
    }

    private final class RanchSide implements Side {
        private static final byte[] SET = "SET".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] GET = "GET".getBytes(StandardCharsets.US_ASCII);
        private final Ranch ranch = Ranch.builder().eventLoops(1).jmx(false).build();
        private final RedisClient client = RedisClient.connect(ranch, RedisOptions.builder()
                .host(InetAddress.getLoopbackAddress().getHostAddress()).port(redis.port())
                .maxWaitingCommands(BATCH).build());

        @Override
        public void batch(String command) throws Exception {
            boolean set = command.equals("SET");
            for (int group = 0; group < BATCH; group += depth) {
                CompletableFuture<RedisValue> last = null;
                for (int i = group; i < group + depth; i++) {
                    byte[] key = keys[i % KEYS];
                    last = set ? client.command(SET, key, value) : client.command(GET, key);
                }
                RedisValue reply = last.get(10, TimeUnit.SECONDS);
                if (set ? !reply.asText().equals("OK") : reply.asBytes().length != size) {
                    throw new IllegalStateException("unexpected reply " + reply);
                }
            }
        }

        @Override
        public void close() {
            client.close();
            ranch.close();
        }
    }

    private final class LettuceSide implements Side {
        // The JDK's resolver, as ranch-redis uses: Lettuce's default (Netty's DNS resolver) opens
        // UDP sockets that outlive the client, which LeakGuard reports in the smoke run.
        private final ClientResources resources = DefaultClientResources.builder()
                .ioThreadPoolSize(1).computationThreadPoolSize(1)
                .addressResolverGroup(DefaultAddressResolverGroup.INSTANCE).build();
        private final io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(resources,
                RedisURI.create(InetAddress.getLoopbackAddress().getHostAddress(), redis.port()));
        private final StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE);
        private final RedisAsyncCommands<byte[], byte[]> async = connection.async();

        private final boolean manualFlush;

        LettuceSide(boolean manualFlush) {
            this.manualFlush = manualFlush;
            connection.setAutoFlushCommands(!manualFlush);
        }

        @Override
        public void batch(String command) throws ExecutionException, InterruptedException, TimeoutException {
            boolean set = command.equals("SET");
            for (int group = 0; group < BATCH; group += depth) {
                RedisFuture<?> last = null;
                for (int i = group; i < group + depth; i++) {
                    byte[] key = keys[i % KEYS];
                    last = set ? async.set(key, value) : async.get(key);
                }
                if (manualFlush) {
                    connection.flushCommands();
                }
                Object reply = last.get(10, TimeUnit.SECONDS);
                if (set ? !"OK".equals(reply) : ((byte[]) reply).length != size) {
                    throw new IllegalStateException("unexpected reply " + reply);
                }
            }
        }

        @Override
        public void close() throws Exception {
            connection.close();
            client.shutdown();
            // Its event loop threads and their selectors are gone before the next trial.
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS);
        }
    }
}
