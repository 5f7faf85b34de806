package dev.ranch.bench;

import dev.ranch.bench.client.WebSocketEchoClient;
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
 * WebSocket echo: messages per second over {@code connections} WebSocket
 * connections, each with {@code depth} text messages of {@code size} bytes in flight (sent in
 * one write, the next batch once all are echoed), against the
 * {@link Workload#WS_ECHO} server of each {@link ServerKind} (upgraded at {@code /ws} during
 * setup). One operation is one message sent and its echo received whole; the
 * {@link WebSocketEchoClient} runs on the benchmark thread, in the server's JVM, on the same cores.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WebSocketEchoBenchmark {

    /** Messages per benchmark invocation. */
    static final int BATCH = 1000;

    /** Server kind: {@code ranch} (ranch-http WebSocket) or {@code netty-nio} ({@code WebSocketServerProtocolHandler}). */
    @Param({"ranch", "netty-nio"})
    public String server;

    /** Text message size in bytes. */
    @Param({"64"})
    public int size;

    /** Concurrent connections. */
    @Param({"100"})
    public int connections;

    /**
     * Messages in flight per connection: 1 is a request-answer rhythm, where both servers spend
     * nearly all their time in the same system calls; 16 is a streaming rhythm (a chat burst,
     * a feed), where many frames share a read and a write and the per-frame work shows.
     */
    @Param({"1", "16"})
    public int depth;

    private Server echo;
    private WebSocketEchoClient client;

    /** Starts the server and connects the client. */
    @Setup(Level.Trial)
    public void start() throws IOException {
        echo = ServerKind.of(server).start(Workload.WS_ECHO, 0);
        client = new WebSocketEchoClient(new InetSocketAddress(InetAddress.getLoopbackAddress(), echo.port()), "/ws",
                connections, depth, size);
    }

    /** Stops client and server. */
    @TearDown(Level.Trial)
    public void stop() throws IOException {
        Teardown.closeInOrder(client, echo);
    }

    /** {@value #BATCH} echoed messages, spread over all connections as they complete. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long echo() {
        return client.messages(BATCH);
    }
}
