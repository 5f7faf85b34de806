package dev.ranch.bench;

import dev.ranch.bench.client.HttpLoadClient;
import dev.ranch.bench.server.Server;
import dev.ranch.bench.server.ServerKind;
import dev.ranch.bench.server.Workload;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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

/**
 * Pairs 1 and 2, HTTP hello world: requests per second over {@code connections} keep-alive
 * connections, each with {@code depth} requests in flight (1: keep-alive, pair 1; 16:
 * pipelined, pair 2), against the {@link Workload#HTTP} server of each {@link ServerKind}.
 * One operation is one whole response received; the {@link HttpLoadClient} runs on the
 * benchmark thread, in the server's JVM, on the same cores.
 *
 * <p>Warm up for long enough: on a loaded machine C2 took seconds to compile the parser's
 * field-line and head methods (2.75 s and 2.17 s in one JFR {@code jdk.Compilation} record,
 * the connection's dispatch 20 s into the run), and a short warm-up ({@code -w 2s}) then
 * measures the interpreter and C1, which made the 128-connection, depth-16 case read as
 * slower than Netty. Five warm-up iterations of 5 s were enough there.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HttpBenchmark {

    /** Responses per benchmark invocation. */
    static final int BATCH = 1000;

    /** The request, as wrk sends it. */
    static final byte[] REQUEST = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** Server kind: {@code ranch} (ranch-http) or {@code netty-nio} (HttpServerCodec). */
    @Param({"ranch", "netty-nio"})
    public String server;

    /** Keep-alive connections. */
    @Param({"1", "16", "128"})
    public int connections;

    /** Requests in flight per connection: 1 (keep-alive) or 16 (pipelined). */
    @Param({"1", "16"})
    public int depth;

    private Server http;
    private HttpLoadClient client;

    /** Starts the server and connects the client. */
    @Setup(Level.Trial)
    public void start() throws IOException {
        http = ServerKind.of(server).start(Workload.HTTP, 0);
        client = new HttpLoadClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), http.port()),
                connections, depth, REQUEST);
    }

    /** Stops client and server. */
    @TearDown(Level.Trial)
    public void stop() throws IOException {
        Teardown.closeInOrder(client, http);
    }

    /** {@value #BATCH} responses, spread over all connections as they arrive. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long requests() {
        return client.responses(BATCH);
    }
}
