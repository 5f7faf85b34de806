package dev.ranch.bench;

import dev.ranch.bench.client.HttpLoadClient;
import dev.ranch.bench.server.LoopbackCertificate;
import dev.ranch.bench.server.Server;
import dev.ranch.bench.server.ServerKind;
import dev.ranch.bench.server.Workload;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
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
 * HTTPS hello world: {@link HttpBenchmark}'s keep-alive case inside TLS 1.3.
 * Requests per second over {@code connections} keep-alive connections, one request in
 * flight on each, against the {@link Workload#HTTPS_HELLO} server of each {@link ServerKind},
 * which presents the {@link LoopbackCertificate}. One operation is one whole response; the
 * {@link HttpLoadClient} encrypts and decrypts on the benchmark thread (the handshakes happen
 * at setup), in the server's JVM, on the same cores.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class HttpsBenchmark {

    /** Responses per benchmark invocation. */
    static final int BATCH = 1000;

    /** Server kind: {@code ranch} (ranch-http on the TLS transport) or {@code netty-nio} ({@code SslHandler}, JDK provider, HttpServerCodec). */
    @Param({"ranch", "netty-nio"})
    public String server;

    /** Keep-alive connections. */
    @Param({"16", "128"})
    public int connections;

    private Server http;
    private HttpLoadClient client;

    /** Starts the server and connects the client. */
    @Setup(Level.Trial)
    public void start() throws IOException {
        http = ServerKind.of(server).start(Workload.HTTPS_HELLO, 0);
        client = new HttpLoadClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), http.port()),
                connections, 1, HttpBenchmark.REQUEST, LoopbackCertificate.get().clientContext());
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
