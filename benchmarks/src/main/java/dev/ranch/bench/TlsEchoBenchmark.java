package dev.ranch.bench;

import dev.ranch.bench.client.EchoClient;
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
 * TLS echo: {@link EchoBenchmark} inside TLS 1.3. Round trips per second over
 * {@code connections} connections, each with one message of {@code size} bytes in flight,
 * against the {@link Workload#TLS_ECHO} server of each {@link ServerKind}, which presents the
 * {@link LoopbackCertificate}. The {@link EchoClient} encrypts and decrypts on the benchmark
 * thread (the handshakes happen at setup), in the server's JVM, on the same cores.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class TlsEchoBenchmark {

    /** Round trips per benchmark invocation. */
    static final int BATCH = 1000;

    /** Server kind: {@code ranch} (TLS transport) or {@code netty-nio} ({@code SslHandler}, JDK provider). */
    @Param({"ranch", "netty-nio"})
    public String server;

    /** Message size in bytes. */
    @Param({"64"})
    public int size;

    /** Concurrent connections, one message in flight on each. */
    @Param({"100"})
    public int connections;

    private Server echo;
    private EchoClient client;

    /** Starts the server and connects the client. */
    @Setup(Level.Trial)
    public void start() throws IOException {
        echo = ServerKind.of(server).start(Workload.TLS_ECHO, 0);
        client = new EchoClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.port()), connections, size,
                LoopbackCertificate.get().clientContext());
    }

    /** Stops client and server. */
    @TearDown(Level.Trial)
    public void stop() throws IOException {
        Teardown.closeInOrder(client, echo);
    }

    /** {@value #BATCH} round trips, spread over all connections as they complete. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long echo() {
        return client.roundTrips(BATCH);
    }
}
